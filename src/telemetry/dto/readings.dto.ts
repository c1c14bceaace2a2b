import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Min } from 'class-validator';
import { IsExportLimit } from '../../common/csv/export-limit.ts';
import { FORMAT_QUERY_SCHEMA, RESPONSE_FORMATS, type ResponseFormat } from '../../common/csv/response-format.ts';
import type { KeysetPage } from '../../common/pagination/keyset-page.ts';
import {
  DEVICE_ID_SCHEMA,
  INSTANT_WITH_ZONE_SCHEMA,
  IsInstantWithZone,
  UTC_INSTANT_SCHEMA,
} from '../../common/validation/decorators.ts';
import { QUALITIES, type Quality } from '../reading.ts';

export const READINGS_PAGE_MAX = 1000;
/** The largest CSV export of a device's readings (69 days at one a minute), streamed out. */
export const READINGS_EXPORT_MAX = 100_000;
/** A quality, or `flagged` for every reading that is not ok. */
export type QualityFilter = Quality | 'flagged';
export const QUALITY_FILTERS: readonly QualityFilter[] = [...QUALITIES, 'flagged'];

/**
 * A device's stored readings over [from, to) (default: the last 24 hours), oldest first, keyset pages
 * by timestamp. Type checks are written last: class-validator runs a property's decorators bottom-up.
 */
export class ListReadingsQuery {
  @ApiPropertyOptional({ ...INSTANT_WITH_ZONE_SCHEMA, description: 'Inclusive; default: `to` − 24 h' })
  @IsOptional()
  @IsInstantWithZone()
  from?: string;
  @ApiPropertyOptional({ ...INSTANT_WITH_ZONE_SCHEMA, description: 'Exclusive; default: now' })
  @IsOptional()
  @IsInstantWithZone()
  to?: string;
  @ApiPropertyOptional({ enum: QUALITY_FILTERS, description: 'Only readings of this quality (flagged: all but ok)' })
  @IsOptional()
  @IsIn(QUALITY_FILTERS)
  quality?: QualityFilter;
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: READINGS_EXPORT_MAX,
    default: 100,
    description: `At most ${READINGS_PAGE_MAX} for JSON, ${READINGS_EXPORT_MAX} for CSV`,
  })
  @IsOptional()
  @IsExportLimit(READINGS_PAGE_MAX, READINGS_EXPORT_MAX)
  @Min(1)
  @IsInt()
  @Type(() => Number)
  limit: number = 100;
  @ApiPropertyOptional({ ...INSTANT_WITH_ZONE_SCHEMA, description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsInstantWithZone()
  after?: string;
  /** json (default) or csv; `Accept: text/csv` asks for CSV too. */
  @ApiPropertyOptional(FORMAT_QUERY_SCHEMA)
  @IsOptional()
  @IsIn(RESPONSE_FORMATS)
  format?: ResponseFormat;
}

/** What every stored reading shows: when, what it counts, its quality and why. */
export class StoredReadingFacts {
  @ApiProperty(UTC_INSTANT_SCHEMA) timestamp!: string;
  /** The energy counted for the reading (a register's step; 0 unless ok), kWh. */
  @ApiProperty({ description: 'Energy counted in totals, kWh (a register: its step; 0 unless quality is ok)' })
  energyKwh!: number;
  @ApiProperty({ enum: QUALITIES }) quality!: Quality;
  @ApiProperty({
    type: 'string',
    nullable: true,
    description:
      'baseline, reset, rollover, glitch, jump, kwh_above_max, voltage_above_max, battery_temp_out_of_range; null: plain',
  })
  qualityReason!: string | null;
  @ApiProperty(UTC_INSTANT_SCHEMA) receivedAt!: string;
}

export class StoredMeterReading extends StoredReadingFacts {
  @ApiProperty({ description: 'As sent: interval kWh, or the register value' }) kwhConsumedAc!: number;
  @ApiProperty() voltage!: number;
}

export class StoredVehicleReading extends StoredReadingFacts {
  @ApiProperty() soc!: number;
  @ApiProperty({ description: 'As sent: interval kWh, or the register value' }) kwhDeliveredDc!: number;
  @ApiProperty() batteryTemp!: number;
}

export class MeterReadingsPage implements KeysetPage<StoredMeterReading> {
  @ApiProperty(DEVICE_ID_SCHEMA) meterId!: string;
  @ApiProperty(UTC_INSTANT_SCHEMA) from!: string;
  @ApiProperty(UTC_INSTANT_SCHEMA) to!: string;
  @ApiProperty({ type: [StoredMeterReading] }) items!: StoredMeterReading[];
  @ApiProperty({ ...UTC_INSTANT_SCHEMA, nullable: true, description: 'Pass as `after`; null on the last page' })
  nextCursor!: string | null;
}

export class VehicleReadingsPage implements KeysetPage<StoredVehicleReading> {
  @ApiProperty(DEVICE_ID_SCHEMA) vehicleId!: string;
  @ApiProperty(UTC_INSTANT_SCHEMA) from!: string;
  @ApiProperty(UTC_INSTANT_SCHEMA) to!: string;
  @ApiProperty({ type: [StoredVehicleReading] }) items!: StoredVehicleReading[];
  @ApiProperty({ ...UTC_INSTANT_SCHEMA, nullable: true, description: 'Pass as `after`; null on the last page' })
  nextCursor!: string | null;
}
