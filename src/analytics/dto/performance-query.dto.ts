import { IsIn, IsOptional } from 'class-validator';
import { IsInstantWithZone, IsTimeZone } from '../../common/validation/decorators.ts';

/** Bucket widths, as fixed lengths in seconds (a day is 24 h in every time zone, DST included). */
export const BUCKET_SECONDS = { '15m': 900, '1h': 3600, '1d': 86_400 } as const;
export type BucketWidth = keyof typeof BUCKET_SECONDS;

/** Optional window and bucket width of a vehicle's performance report. */
export class PerformanceQuery {
  /** Inclusive start; default `to` − 24 h. */
  @IsOptional() @IsInstantWithZone() from?: string;
  /** Exclusive end; default now. */
  @IsOptional() @IsInstantWithZone() to?: string;
  @IsOptional() @IsIn(Object.keys(BUCKET_SECONDS)) bucket?: BucketWidth;
  /** An IANA zone: `1d` buckets are its calendar days (23 or 25 hours on DST changes). Default: 24-hour buckets from `from`. */
  @IsOptional() @IsTimeZone() tz?: string;
}
