import type { KeysetPage } from '../../common/pagination/keyset-page.ts';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { DEVICE_ID_SCHEMA, IsDeviceId, UTC_INSTANT_SCHEMA } from '../../common/validation/decorators.ts';

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
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: LIVE_PAGE_MAX, default: 100 })
  @IsOptional()
  @Max(LIVE_PAGE_MAX)
  @Min(1)
  @IsInt()
  @Type(() => Number)
  limit: number = 100;
  @ApiPropertyOptional({ ...DEVICE_ID_SCHEMA, description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsDeviceId()
  after?: string;
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: STALE_MINUTES_MAX,
    description: 'Only devices silent for more than N minutes',
  })
  @IsOptional()
  @Max(STALE_MINUTES_MAX)
  @Min(1)
  @IsInt()
  @Type(() => Number)
  staleMinutes?: number;
}

const RECEIVED_AT = {
  ...UTC_INSTANT_SCHEMA,
  description: 'When the service stored it, ISO-8601 UTC to the millisecond',
};
const TIMESTAMP = {
  ...UTC_INSTANT_SCHEMA,
  description: "The reading's own instant, ISO-8601 UTC (microseconds shown only when the device sent them)",
};

/** A meter's latest reading, with the payload's field names, and when it arrived. */
export class MeterLive {
  @ApiProperty(DEVICE_ID_SCHEMA) meterId!: string;
  @ApiProperty() kwhConsumedAc!: number;
  @ApiProperty() voltage!: number;
  @ApiProperty(TIMESTAMP) timestamp!: string;
  @ApiProperty(RECEIVED_AT) receivedAt!: string;
}

/** A vehicle's latest reading, with the payload's field names, and when it arrived. */
export class VehicleLive {
  @ApiProperty(DEVICE_ID_SCHEMA) vehicleId!: string;
  @ApiProperty() soc!: number;
  @ApiProperty() kwhDeliveredDc!: number;
  @ApiProperty() batteryTemp!: number;
  @ApiProperty(TIMESTAMP) timestamp!: string;
  @ApiProperty(RECEIVED_AT) receivedAt!: string;
}

export type LivePage<T> = KeysetPage<T>;

const NEXT_CURSOR = {
  type: 'string',
  nullable: true,
  description: 'Pass as `after` for the next page; null on the last',
} as const;

export class MeterLivePage implements LivePage<MeterLive> {
  @ApiProperty({ type: [MeterLive] }) items!: MeterLive[];
  @ApiProperty(NEXT_CURSOR) nextCursor!: string | null;
}

export class VehicleLivePage implements LivePage<VehicleLive> {
  @ApiProperty({ type: [VehicleLive] }) items!: VehicleLive[];
  @ApiProperty(NEXT_CURSOR) nextCursor!: string | null;
}
