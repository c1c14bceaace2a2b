import type { PerformanceTotals } from './performance.dto.ts';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { IsInstantWithZone } from '../../common/validation/decorators.ts';

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
}

/** One linked vehicle's performance over the report's window. */
export interface FleetVehicle extends PerformanceTotals {
  vehicleId: string;
  meterId: string;
  /** efficiency < threshold (false when efficiency is null: nothing to judge). */
  belowThreshold: boolean;
}

/** Every linked vehicle, worst efficiency first (no efficiency last, then by vehicle id), a page at a time. */
export interface FleetReport {
  /** Inclusive start, a whole UTC hour, ISO-8601 UTC. */
  from: string;
  /** Exclusive end, a whole UTC hour; may be after now (the current hour counts up to now). */
  to: string;
  /** FLEET_EFFICIENCY_ALERT_THRESHOLD. */
  threshold: number;
  /** Linked vehicles in the report. */
  total: number;
  /** Of those, how many are below the threshold. */
  totalBelowThreshold: number;
  limit: number;
  offset: number;
  /** Pass as `offset` for the next page; null on the last page. */
  nextOffset: number | null;
  items: FleetVehicle[];
}
