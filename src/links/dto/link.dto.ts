import { IsBoolean, IsOptional } from 'class-validator';
import type { KeysetPage } from '../../common/pagination/keyset-page.ts';
import { IsDeviceId, IsInstantWithZone } from '../../common/validation/decorators.ts';

export class CreateLinkDto {
  @IsDeviceId() vehicleId!: string;
  @IsDeviceId() meterId!: string;
  /**
   * When the vehicle is on this meter from (not in the future, whole milliseconds). Omitted: a
   * vehicle's first link covers all time before; a re-point starts now.
   */
  @IsOptional() @IsInstantWithZone() validFrom?: string;
  /** Allow a backdated validFrom to replace the periods that started after it. */
  @IsOptional() @IsBoolean() replaceLater?: boolean;
}

/** A link period as the API shows it. */
export interface LinkView {
  vehicleId: string;
  meterId: string;
  /** Inclusive start, ISO-8601 UTC; null: the period covers all time before its end. */
  validFrom: string | null;
  /** Exclusive end; null for the current link. */
  validTo: string | null;
  /** When this period was recorded. */
  recordedAt: string;
}

export type LinkPage = KeysetPage<LinkView>;

/** A vehicle's link periods, newest first. */
export interface LinkHistory {
  vehicleId: string;
  items: Omit<LinkView, 'vehicleId'>[];
}
