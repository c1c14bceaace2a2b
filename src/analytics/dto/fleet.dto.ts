import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { IsExportLimit } from '../../common/csv/export-limit.ts';
import { FORMAT_QUERY_SCHEMA, RESPONSE_FORMATS, type ResponseFormat } from '../../common/csv/response-format.ts';
import {
  DEVICE_ID_SCHEMA,
  INSTANT_WITH_ZONE_SCHEMA,
  IsCalendarDay,
  IsDeviceId,
  IsInstantWithZone,
  IsTimeZone,
  UTC_INSTANT_SCHEMA,
} from '../../common/validation/decorators.ts';
import { TIME_ZONE_SCHEMA } from './performance-query.dto.ts';
import { PerformanceTotals, VEHICLE_STATUSES, type VehicleStatus } from './performance.dto.ts';

export const FLEET_PAGE_MAX = 1000;
export const FLEET_OFFSET_MAX = 1_000_000;
/** The largest page of a CSV export (one file for a whole fleet), streamed out. */
export const FLEET_EXPORT_MAX = 100_000;

/**
 * The fleet report's window is whole UTC hours (it reads hourly roll-ups): `from` and `to` must
 * be on the hour, or `day` (+ `tz`) names a local calendar day. Default: the 24 hours ending at the
 * end of the current hour. The whole ranked list is computed for every page, so OFFSET costs
 * nothing extra here. Type checks are written last: class-validator runs a property's decorators
 * bottom-up (stopAtFirstError).
 */
export class FleetQuery {
  @ApiPropertyOptional({ ...INSTANT_WITH_ZONE_SCHEMA, description: 'Inclusive, on a UTC hour' })
  @IsOptional()
  @IsInstantWithZone()
  from?: string;
  @ApiPropertyOptional({ ...INSTANT_WITH_ZONE_SCHEMA, description: 'Exclusive, on a UTC hour' })
  @IsOptional()
  @IsInstantWithZone()
  to?: string;
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: FLEET_EXPORT_MAX,
    default: 100,
    description: `At most ${FLEET_PAGE_MAX} for JSON, ${FLEET_EXPORT_MAX} for CSV (a whole fleet in one file)`,
  })
  @IsOptional()
  @IsExportLimit(FLEET_PAGE_MAX, FLEET_EXPORT_MAX)
  @Min(1)
  @IsInt()
  @Type(() => Number)
  limit: number = 100;
  @ApiPropertyOptional({ type: 'integer', minimum: 0, maximum: FLEET_OFFSET_MAX, default: 0 })
  @IsOptional()
  @Max(FLEET_OFFSET_MAX)
  @Min(0)
  @IsInt()
  @Type(() => Number)
  offset: number = 0;
  /** Only vehicles with this status (totals still count the whole fleet). */
  @ApiPropertyOptional({ enum: VEHICLE_STATUSES, description: 'Only vehicles with this status' })
  @IsOptional()
  @IsIn(VEHICLE_STATUSES)
  status?: VehicleStatus;
  /** Only vehicles linked to this meter at some time in the window. */
  @ApiPropertyOptional({ ...DEVICE_ID_SCHEMA, description: 'Only vehicles linked to this meter in the window' })
  @IsOptional()
  @IsDeviceId()
  meterId?: string;
  /** A local calendar day as the window (instead of from/to), in `tz`. */
  @ApiPropertyOptional({ type: 'string', format: 'date', description: 'A local calendar day of `tz` as the window' })
  @IsOptional()
  @IsCalendarDay()
  day?: string;
  /** The zone of `day` (default UTC). */
  @ApiPropertyOptional({
    ...TIME_ZONE_SCHEMA,
    description: 'The zone of `day` (default UTC); its offset must be whole hours that day (the roll-ups are hourly)',
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

/** One vehicle's performance over the report's window. */
export class FleetVehicle extends PerformanceTotals {
  @ApiProperty(DEVICE_ID_SCHEMA) vehicleId!: string;
  /** The meter of the vehicle's latest link period in the window. */
  @ApiProperty({ ...DEVICE_ID_SCHEMA, description: "The meter of the vehicle's latest link period in the window" })
  meterId!: string;
  /** status === 'below_threshold'. */
  @ApiProperty({ description: "status === 'below_threshold'" }) belowThreshold!: boolean;
}

/**
 * Every vehicle linked at some time in the window: those with enough data first, worst efficiency
 * first, then the insufficient ones; ties by vehicle id; a page at a time.
 */
export class FleetReport {
  /** Inclusive start, a whole UTC hour, ISO-8601 UTC. */
  @ApiProperty({ ...UTC_INSTANT_SCHEMA, description: 'Inclusive, a whole UTC hour' }) from!: string;
  /** Exclusive end, a whole UTC hour; may be after now (the current hour counts up to now). */
  @ApiProperty({ ...UTC_INSTANT_SCHEMA, description: 'Exclusive, a whole UTC hour' }) to!: string;
  /** FLEET_EFFICIENCY_ALERT_THRESHOLD. */
  @ApiProperty({ example: 0.85 }) threshold!: number;
  /** Vehicles in the report (with the meter filter, those linked to that meter). */
  @ApiProperty({ type: 'integer', minimum: 0 }) total!: number;
  /** Of those, how many are below the threshold. */
  @ApiProperty({ type: 'integer', minimum: 0 }) totalBelowThreshold!: number;
  /** Of those, how many have too little data to judge. */
  @ApiProperty({ type: 'integer', minimum: 0 }) totalInsufficientData!: number;
  /** Of those, how many match the status filter (= total without it): what the pages hold. */
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Vehicles matching the status filter' }) matching!: number;
  @ApiProperty({ type: 'integer' }) limit!: number;
  @ApiProperty({ type: 'integer' }) offset!: number;
  /** Pass as `offset` for the next page; null on the last page. */
  @ApiProperty({ type: 'integer', nullable: true, description: 'Pass as offset for the next page; null on the last' })
  nextOffset!: number | null;
  @ApiProperty({ type: [FleetVehicle] }) items!: FleetVehicle[];
}
