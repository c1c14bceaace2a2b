import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsPositive, Max, Min } from 'class-validator';
import type { KeysetPage } from '../../common/pagination/keyset-page.ts';
import {
  DEVICE_ID_SCHEMA,
  INSTANT_WITH_ZONE_SCHEMA,
  IsDeviceId,
  IsFiniteNumber,
  IsInstantWithZone,
  UTC_INSTANT_SCHEMA,
} from '../../common/validation/decorators.ts';
import { ENERGY_MODES, type EnergyMode } from '../../telemetry/reading.ts';

export const DEVICES_PAGE_MAX = 1000;

/**
 * How a device reports, PUT as a whole (settings left out are cleared). Type checks are written last:
 * class-validator runs a property's decorators bottom-up (stopAtFirstError).
 */
@ApiSchema({ name: 'DeviceSettings' })
export class PutDeviceBody {
  @ApiProperty({
    enum: ENERGY_MODES,
    description: 'interval: each reading is its interval’s energy; register: each reading is a cumulative register',
  })
  @IsIn(ENERGY_MODES)
  energyMode!: EnergyMode;
  /** A register's rollover value (kWh): past it the register starts again at 0. */
  @ApiPropertyOptional({ type: 'number', nullable: true, exclusiveMinimum: true, minimum: 0, example: 99999.9 })
  @IsOptional()
  @IsPositive()
  @IsFiniteNumber()
  registerMax?: number | null;
  /** The device's maximum power (kW): a register increase faster than that is a suspect jump. */
  @ApiPropertyOptional({
    type: 'number',
    nullable: true,
    exclusiveMinimum: true,
    minimum: 0,
    description: 'kW; a register increase faster than this is a suspect jump (default REGISTER_MAX_POWER_KW)',
    example: 150,
  })
  @IsOptional()
  @IsPositive()
  @IsFiniteNumber()
  maxPowerKw?: number | null;
  /** Overrides FLEET_EFFICIENCY_ALERT_THRESHOLD for this device (e.g. a meter of AC wallboxes). */
  @ApiPropertyOptional({
    type: 'number',
    nullable: true,
    minimum: 0,
    maximum: 1,
    description: 'Overrides FLEET_EFFICIENCY_ALERT_THRESHOLD in analytics for this device',
    example: 0.9,
  })
  @IsOptional()
  @Max(1)
  @Min(0)
  @IsFiniteNumber()
  efficiencyThreshold?: number | null;
  /**
   * When a device that already has readings changes mode: the instant the new mode applies from
   * (default now); it must be after the device's latest stored reading. Ignored for a device without
   * readings (its mode applies to all its readings) and when the mode does not change.
   */
  @ApiPropertyOptional({
    ...INSTANT_WITH_ZONE_SCHEMA,
    description:
      'For a mode change of a device with readings: from when (default now); must be after its latest reading',
  })
  @IsOptional()
  @IsInstantWithZone()
  effectiveFrom?: string;
}

/** One period of a device's mode history: the mode applies to readings from `effectiveFrom` on. */
export class ModePeriod {
  @ApiProperty({ enum: ENERGY_MODES }) energyMode!: EnergyMode;
  /** null: from the beginning (the device was registered before its first reading). */
  @ApiProperty({ ...UTC_INSTANT_SCHEMA, nullable: true, description: 'null: from the beginning' })
  effectiveFrom!: string | null;
}

/** A registered device's settings and mode history. */
export class DeviceSettings {
  @ApiProperty({ enum: ENERGY_MODES, description: 'The mode of new readings' }) energyMode!: EnergyMode;
  @ApiProperty({ type: 'number', nullable: true }) registerMax!: number | null;
  @ApiProperty({ type: 'number', nullable: true }) maxPowerKw!: number | null;
  @ApiProperty({ type: 'number', nullable: true }) efficiencyThreshold!: number | null;
  @ApiProperty({ type: [ModePeriod], description: 'Oldest first' }) modes!: ModePeriod[];
  @ApiProperty(UTC_INSTANT_SCHEMA) createdAt!: string;
  @ApiProperty(UTC_INSTANT_SCHEMA) updatedAt!: string;
}

export class MeterDevice extends DeviceSettings {
  @ApiProperty(DEVICE_ID_SCHEMA) meterId!: string;
}

export class VehicleDevice extends DeviceSettings {
  @ApiProperty(DEVICE_ID_SCHEMA) vehicleId!: string;
}

export class MeterDevicePage implements KeysetPage<MeterDevice> {
  @ApiProperty({ type: [MeterDevice] }) items!: MeterDevice[];
  @ApiProperty({ ...DEVICE_ID_SCHEMA, nullable: true, description: 'Pass as `after`; null on the last page' })
  nextCursor!: string | null;
}

export class VehicleDevicePage implements KeysetPage<VehicleDevice> {
  @ApiProperty({ type: [VehicleDevice] }) items!: VehicleDevice[];
  @ApiProperty({ ...DEVICE_ID_SCHEMA, nullable: true, description: 'Pass as `after`; null on the last page' })
  nextCursor!: string | null;
}

/** Registered devices in id order, keyset pages. */
export class ListDevicesQuery {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: DEVICES_PAGE_MAX, default: 100 })
  @IsOptional()
  @Max(DEVICES_PAGE_MAX)
  @Min(1)
  @IsInt()
  @Type(() => Number)
  limit: number = 100;
  @ApiPropertyOptional({ ...DEVICE_ID_SCHEMA, description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsDeviceId()
  after?: string;
  @ApiPropertyOptional({ enum: ENERGY_MODES, description: 'Only devices whose current mode is this' })
  @IsOptional()
  @IsIn(ENERGY_MODES)
  energyMode?: EnergyMode;
}
