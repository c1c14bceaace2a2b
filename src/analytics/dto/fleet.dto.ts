import type { PerformanceTotals, VehicleStatus } from './performance.dto.ts';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { IsCalendarDay, IsDeviceId, IsInstantWithZone, IsTimeZone } from '../../common/validation/decorators.ts';

export const VEHICLE_STATUSES: readonly VehicleStatus[] = ['ok', 'below_threshold', 'insufficient_data'];

export const FLEET_PAGE_MAX = 1000;
export const FLEET_OFFSET_MAX = 1_000_000;

/**
 * The fleet report's window is whole UTC hours (it reads hourly roll-ups): `from` and `to` must
 * be on the hour. Default: the 24 hours ending at the end of the current hour. The whole ranked
 * list is computed for every page, so OFFSET costs nothing extra here. Type checks are written
 * last: class-validator runs a property's decorators bottom-up (stopAtFirstError).
 */
export class FleetQuery {
  @IsOptional() @IsInstantWithZone() from?: string;
  @IsOptional() @IsInstantWithZone() to?: string;
  @IsOptional() @Max(FLEET_PAGE_MAX) @Min(1) @IsInt() @Type(() => Number) limit: number = 100;
  @IsOptional() @Max(FLEET_OFFSET_MAX) @Min(0) @IsInt() @Type(() => Number) offset: number = 0;
  /** Only vehicles with this status (totals still count the whole fleet). */
  @IsOptional() @IsIn(VEHICLE_STATUSES) status?: VehicleStatus;
  /** Only vehicles linked to this meter at some time in the window. */
  @IsOptional() @IsDeviceId() meterId?: string;
  /** A local calendar day as the window (instead of from/to), in `tz`. */
  @IsOptional() @IsCalendarDay() day?: string;
  /** The zone of `day` (default UTC). */
  @IsOptional() @IsTimeZone() tz?: string;
}

/** One vehicle's performance over the report's window. */
export interface FleetVehicle extends PerformanceTotals {
  vehicleId: string;
  /** The meter of the vehicle's latest link period in the window. */
  meterId: string;
  /** status === 'below_threshold'. */
  belowThreshold: boolean;
}

/**
 * Every vehicle linked at some time in the window: those with enough data first, worst efficiency
 * first, then the insufficient ones; ties by vehicle id; a page at a time.
 */
export interface FleetReport {
  /** Inclusive start, a whole UTC hour, ISO-8601 UTC. */
  from: string;
  /** Exclusive end, a whole UTC hour; may be after now (the current hour counts up to now). */
  to: string;
  /** FLEET_EFFICIENCY_ALERT_THRESHOLD. */
  threshold: number;
  /** Vehicles in the report (with the meter filter, those linked to that meter). */
  total: number;
  /** Of those, how many are below the threshold. */
  totalBelowThreshold: number;
  /** Of those, how many have too little data to judge. */
  totalInsufficientData: number;
  /** Of those, how many match the status filter (= total without it): what the pages hold. */
  matching: number;
  limit: number;
  offset: number;
  /** Pass as `offset` for the next page; null on the last page. */
  nextOffset: number | null;
  items: FleetVehicle[];
}
