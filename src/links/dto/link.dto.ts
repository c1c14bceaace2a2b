import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional } from 'class-validator';
import type { KeysetPage } from '../../common/pagination/keyset-page.ts';
import {
  DEVICE_ID_SCHEMA,
  INSTANT_WITH_ZONE_SCHEMA,
  IsDeviceId,
  IsInstantWithZone,
  UTC_INSTANT_SCHEMA,
} from '../../common/validation/decorators.ts';

export class CreateLinkDto {
  @ApiProperty(DEVICE_ID_SCHEMA)
  @IsDeviceId()
  vehicleId!: string;

  @ApiProperty(DEVICE_ID_SCHEMA)
  @IsDeviceId()
  meterId!: string;

  /**
   * When the vehicle is on this meter from (not in the future, whole milliseconds). Omitted: a
   * vehicle's first link covers all time before; a re-point starts now.
   */
  @ApiPropertyOptional({
    ...INSTANT_WITH_ZONE_SCHEMA,
    description:
      "From when (not in the future, whole milliseconds). Omitted: a vehicle's first link covers all time before; a re-point starts now",
  })
  @IsOptional()
  @IsInstantWithZone()
  validFrom?: string;

  /** Allow a backdated validFrom to replace the periods that started after it. */
  @ApiPropertyOptional({
    description: 'Let a backdated validFrom replace the periods that started after it (else 409)',
  })
  @IsOptional()
  @IsBoolean()
  replaceLater?: boolean;
}

/** A link period without its vehicle (history items). */
export class LinkPeriodView {
  @ApiProperty(DEVICE_ID_SCHEMA) meterId!: string;
  /** Inclusive start, ISO-8601 UTC; null: the period covers all time before its end. */
  @ApiProperty({
    ...UTC_INSTANT_SCHEMA,
    type: 'string',
    nullable: true,
    description: 'Inclusive; null: all time before validTo',
  })
  validFrom!: string | null;
  /** Exclusive end; null for the current link. */
  @ApiProperty({
    ...UTC_INSTANT_SCHEMA,
    type: 'string',
    nullable: true,
    description: 'Exclusive; null: the current link',
  })
  validTo!: string | null;
  /** When this period was recorded. */
  @ApiProperty(UTC_INSTANT_SCHEMA) recordedAt!: string;
}

/** A link period as the API shows it. */
export class LinkView extends LinkPeriodView {
  @ApiProperty(DEVICE_ID_SCHEMA) vehicleId!: string;
}

export class LinkPage implements KeysetPage<LinkView> {
  @ApiProperty({ type: [LinkView] }) items!: LinkView[];
  @ApiProperty({ type: 'string', nullable: true, description: 'Pass as `after` for the next page; null on the last' })
  nextCursor!: string | null;
}

/** A vehicle's link periods, newest first. */
export class LinkHistory {
  @ApiProperty(DEVICE_ID_SCHEMA) vehicleId!: string;
  @ApiProperty({ type: [LinkPeriodView], description: 'Newest first' }) items!: LinkPeriodView[];
}
