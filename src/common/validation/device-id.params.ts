import { ApiProperty } from '@nestjs/swagger';
import { DEVICE_ID_SCHEMA, IsDeviceId } from './decorators.ts';

/** `:vehicleId` path parameter, shared by every module that serves a vehicle. */
export class VehicleIdParams {
  @ApiProperty(DEVICE_ID_SCHEMA)
  @IsDeviceId()
  vehicleId!: string;
}

/** `:meterId` path parameter, shared by every module that serves a meter. */
export class MeterIdParams {
  @ApiProperty(DEVICE_ID_SCHEMA)
  @IsDeviceId()
  meterId!: string;
}
