import type { KeysetPage } from '../../common/pagination/keyset-page.ts';
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

export type LinkPage = KeysetPage<LinkView>;
