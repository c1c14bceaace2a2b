import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { FORMAT_QUERY_SCHEMA, RESPONSE_FORMATS, type ResponseFormat } from '../../common/csv/response-format.ts';
import { INSTANT_WITH_ZONE_SCHEMA, IsInstantWithZone, IsTimeZone } from '../../common/validation/decorators.ts';

/** Bucket widths, as fixed lengths in seconds (`1d` with `tz`: the zone's calendar days). */
export const BUCKET_SECONDS = { '15m': 900, '1h': 3600, '1d': 86_400 } as const;
export type BucketWidth = keyof typeof BUCKET_SECONDS;

export const TIME_ZONE_SCHEMA = { type: 'string', example: 'Europe/Berlin' } as const;

/** Optional window, bucket width and zone of a vehicle's or a meter's report. */
export class PerformanceQuery {
  /** Inclusive start; default `to` − 24 h. */
  @ApiPropertyOptional({ ...INSTANT_WITH_ZONE_SCHEMA, description: 'Inclusive; default to − 24 h (write + as %2B)' })
  @IsOptional()
  @IsInstantWithZone()
  from?: string;
  /** Exclusive end; default now. */
  @ApiPropertyOptional({ ...INSTANT_WITH_ZONE_SCHEMA, description: 'Exclusive; default now' })
  @IsOptional()
  @IsInstantWithZone()
  to?: string;
  @ApiPropertyOptional({ enum: Object.keys(BUCKET_SECONDS), description: 'Add every bucket of the window' })
  @IsOptional()
  @IsIn(Object.keys(BUCKET_SECONDS))
  bucket?: BucketWidth;
  /** An IANA zone: `1d` buckets are its calendar days (23 or 25 hours on DST changes). Default: 24-hour buckets from `from`. */
  @ApiPropertyOptional({
    ...TIME_ZONE_SCHEMA,
    description:
      'IANA zone: `1d` buckets follow its calendar days (23 or 25 h on DST changes); default 24 h from `from`',
  })
  @IsOptional()
  @IsTimeZone()
  tz?: string;
  /** json (default) or csv; `Accept: text/csv` asks for CSV too. */
  @ApiPropertyOptional(FORMAT_QUERY_SCHEMA)
  @IsOptional()
  @IsIn(RESPONSE_FORMATS)
  format?: ResponseFormat;
}
