import { IsDeviceId } from './decorators.ts';

/** `:vehicleId` path parameter, shared by every module that serves a vehicle. */
export class VehicleIdParams {
  @IsDeviceId() vehicleId!: string;
}

/** `:meterId` path parameter, shared by every module that serves a meter. */
export class MeterIdParams {
  @IsDeviceId() meterId!: string;
}
