import { ApiProperty } from '@nestjs/swagger';
import { DEVICE_ID_SCHEMA, UTC_INSTANT_SCHEMA } from '../../common/validation/decorators.ts';
import { SuspectCounts } from './performance.dto.ts';

/** The part of a meter's AC figures shared by the whole window and each bucket. */
export class MeterTotals extends SuspectCounts {
  /** Everything the meter measured in the window, kWh. */
  @ApiProperty({ description: 'Everything the meter measured, kWh' }) acKwh!: number;
  /** DC delivered to all vehicles while linked to this meter, kWh. */
  @ApiProperty({ description: 'DC delivered to all vehicles while linked to the meter, kWh' }) dcKwh!: number;
  /** dcKwh / acKwh; null without AC. */
  @ApiProperty({ type: 'number', nullable: true, description: 'dcKwh / acKwh; null without AC' })
  efficiency!: number | null;
  /** AC measured while no vehicle was linked to the meter, kWh (attributed to nobody). */
  @ApiProperty({ description: 'AC measured while no vehicle was linked, kWh' }) unattributedAcKwh!: number;
  /** AC of hours in which no linked vehicle reported DC (standby draw), kWh; attributed all the same. */
  @ApiProperty({ description: 'AC of hours in which no linked vehicle reported DC, kWh (still attributed)' })
  idleAcKwh!: number;
  @ApiProperty({ type: 'integer', minimum: 0 }) meterReadings!: number;
}

/** A vehicle's share of the meter's AC, and its DC while linked to the meter. */
export class MeterVehicleShare extends SuspectCounts {
  @ApiProperty(DEVICE_ID_SCHEMA) vehicleId!: string;
  @ApiProperty() acKwh!: number;
  @ApiProperty() dcKwh!: number;
  @ApiProperty({ type: 'number', nullable: true }) efficiency!: number | null;
}

export class MeterBucket extends MeterTotals {
  @ApiProperty(UTC_INSTANT_SCHEMA) from!: string;
  @ApiProperty(UTC_INSTANT_SCHEMA) to!: string;
}

/** A meter (depot) over [from, to): acKwh = Σ vehicles' acKwh + unattributedAcKwh, exactly. */
export class MeterPerformance extends MeterTotals {
  @ApiProperty(DEVICE_ID_SCHEMA) meterId!: string;
  @ApiProperty({ ...UTC_INSTANT_SCHEMA, description: 'Inclusive' }) from!: string;
  @ApiProperty({ ...UTC_INSTANT_SCHEMA, description: 'Exclusive' }) to!: string;
  /** The meter's efficiency threshold: its own (device registry), else FLEET_EFFICIENCY_ALERT_THRESHOLD. */
  @ApiProperty({ minimum: 0, maximum: 1, description: "The meter's own threshold (registry), else the fleet's" })
  threshold!: number;
  /** Vehicles linked to the meter at some time in the window, by vehicle id. */
  @ApiProperty({
    type: [MeterVehicleShare],
    description: 'Vehicles linked in the window, with their attributed shares',
  })
  vehicles!: MeterVehicleShare[];
  @ApiProperty({ type: [MeterBucket], required: false, description: 'Only with `bucket`' })
  buckets?: MeterBucket[];
}
