import type { KeysetPage } from '../../common/pagination/keyset-page.ts';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { IsDeviceId } from '../../common/validation/decorators.ts';

export const LIVE_PAGE_MAX = 1000;
/** A year: the longest silence an operator can ask about. */
export const STALE_MINUTES_MAX = 366 * 24 * 60;

/**
 * Keyset pagination by device id (stable and index-backed at any depth, like the links list);
 * `staleMinutes=N` keeps only devices whose latest reading is more than N minutes old.
 * Type checks are written last: class-validator runs a property's decorators bottom-up and,
 * with stopAtFirstError, reports only the first failure.
 */
export class ListLiveQuery {
  @IsOptional() @Max(LIVE_PAGE_MAX) @Min(1) @IsInt() @Type(() => Number) limit: number = 100;
  @IsOptional() @IsDeviceId() after?: string;
  @IsOptional() @Max(STALE_MINUTES_MAX) @Min(1) @IsInt() @Type(() => Number) staleMinutes?: number;
}

/** A meter's latest reading, with the payload's field names, and when it arrived. */
export interface MeterLive {
  meterId: string;
  kwhConsumedAc: number;
  voltage: number;
  /** The reading's own instant, ISO-8601 UTC (microseconds shown only when the device sent them). */
  timestamp: string;
  /** When the service stored it, ISO-8601 UTC to the millisecond. */
  receivedAt: string;
}

/** A vehicle's latest reading, with the payload's field names, and when it arrived. */
export interface VehicleLive {
  vehicleId: string;
  soc: number;
  kwhDeliveredDc: number;
  batteryTemp: number;
  /** The reading's own instant, ISO-8601 UTC (microseconds shown only when the device sent them). */
  timestamp: string;
  /** When the service stored it, ISO-8601 UTC to the millisecond. */
  receivedAt: string;
}

export type LivePage<T> = KeysetPage<T>;
