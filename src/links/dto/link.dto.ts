import { IsDeviceId } from '../../common/validation/decorators.ts';

export class CreateLinkDto {
  @IsDeviceId() vehicleId!: string;
  @IsDeviceId() meterId!: string;
}

export class VehicleIdParams {
  @IsDeviceId() vehicleId!: string;
}

/** A link as the API shows it. */
export interface LinkView {
  vehicleId: string;
  meterId: string;
  createdAt: string;
  updatedAt: string;
}

export interface LinkPage {
  items: LinkView[];
  /** Pass as `after` to get the next page; null on the last page. */
  nextCursor: string | null;
}
