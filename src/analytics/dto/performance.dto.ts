import { ApiProperty } from '@nestjs/swagger';
import { DEVICE_ID_SCHEMA, UTC_INSTANT_SCHEMA } from '../../common/validation/decorators.ts';

/** ok | below_threshold | insufficient_data (no DC while linked, no attributed AC, or coverage under MIN_COVERAGE). */
export type VehicleStatus = 'ok' | 'below_threshold' | 'insufficient_data';
export const VEHICLE_STATUSES: readonly VehicleStatus[] = ['ok', 'below_threshold', 'insufficient_data'];

const COUNT = { type: 'integer', minimum: 0 } as const;

/**
 * Readings stored but flagged (suspect or glitch: see README "Data quality") among those a figure is
 * computed from: they count 0 kWh and are not in the readings counts.
 */
export class SuspectCounts {
  /** suspectMeterReadings + suspectVehicleReadings. */
  @ApiProperty({ ...COUNT, description: 'suspectMeterReadings + suspectVehicleReadings' })
  suspectReadings!: number;
  /** Flagged readings of the meters, among the meter readings the figure counts (meterReadings). */
  @ApiProperty({ ...COUNT, description: 'Flagged meter readings among those the figure counts' })
  suspectMeterReadings!: number;
  /** Flagged readings of the vehicles, among the vehicle readings the figure counts. */
  @ApiProperty({ ...COUNT, description: 'Flagged vehicle readings among those the figure counts' })
  suspectVehicleReadings!: number;
}

/** What every performance figure carries: a vehicle's whole window, one bucket, or one fleet row. */
export class PerformanceTotals extends SuspectCounts {
  /** AC attributed to the vehicle (its share of its meters' AC while linked), kWh. */
  @ApiProperty({ description: "AC attributed to the vehicle (its share of its meters' AC while linked), kWh" })
  acKwh!: number;
  /** DC delivered to the battery while the vehicle was linked to a meter, kWh. */
  @ApiProperty({ description: 'DC delivered to the battery while linked, kWh' })
  dcKwh!: number;
  /** DC reported while the vehicle was linked to no meter (charged elsewhere): not in the efficiency, kWh. */
  @ApiProperty({ description: 'DC reported while linked to no meter: not in the efficiency, kWh' })
  unlinkedDcKwh!: number;
  /** dcKwh / acKwh as a ratio (0.9 = 90 %); null without attributed AC. */
  @ApiProperty({
    type: 'number',
    nullable: true,
    description: 'dcKwh / acKwh (0.9 = 90 %); null without attributed AC',
  })
  efficiency!: number | null;
  /** Mean battery temperature over the vehicle's readings, °C; null without readings. */
  @ApiProperty({ type: 'number', nullable: true, description: 'Mean battery temperature, °C; null without readings' })
  avgBatteryTemp!: number | null;
  /** Readings of the vehicle's meters taken while it was linked to them (shared or not). */
  @ApiProperty({ ...COUNT, description: "Readings of the vehicle's meters taken while it was linked to them" })
  meterReadings!: number;
  /** The vehicle's readings in the window, linked or not. */
  @ApiProperty({ ...COUNT, description: "The vehicle's readings, linked or not" })
  vehicleReadings!: number;
  /** vehicleReadings / the readings the window should hold at READING_INTERVAL_SECONDS, at most 1. */
  @ApiProperty({
    minimum: 0,
    maximum: 1,
    description: 'vehicleReadings / readings expected at READING_INTERVAL_SECONDS',
  })
  coverage!: number;
  /**
   * The threshold the status is judged by: the vehicle's own (device registry), else its meters'
   * (registry, else FLEET_EFFICIENCY_ALERT_THRESHOLD) weighted by the AC attributed from each.
   */
  @ApiProperty({
    minimum: 0,
    maximum: 1,
    description:
      "The threshold judged by: the vehicle's own (registry), else its meters' weighted by the AC attributed from each",
  })
  threshold!: number;
  @ApiProperty({
    enum: VEHICLE_STATUSES,
    description: 'insufficient_data: no DC while linked, no AC, or coverage under MIN_COVERAGE',
  })
  status!: VehicleStatus;
}

/** A meter the vehicle was linked to during the window, and the AC attributed from it. */
export class MeterUse {
  @ApiProperty(DEVICE_ID_SCHEMA) meterId!: string;
  /** The linked time within the window, [from, to). */
  @ApiProperty(UTC_INSTANT_SCHEMA) from!: string;
  @ApiProperty(UTC_INSTANT_SCHEMA) to!: string;
  @ApiProperty() acKwh!: number;
}

/**
 * One slice [from, to) of the window. Buckets start at the window's start and follow each other
 * at the bucket width (or at the zone's midnights); the last one ends at the window's end.
 */
export class PerformanceBucket extends PerformanceTotals {
  @ApiProperty(UTC_INSTANT_SCHEMA) from!: string;
  @ApiProperty(UTC_INSTANT_SCHEMA) to!: string;
}

/** A vehicle's charging performance over a half-open window [from, to). */
export class VehiclePerformance extends PerformanceTotals {
  @ApiProperty(DEVICE_ID_SCHEMA) vehicleId!: string;
  /** The meter the vehicle is linked to now; null when it is unlinked. */
  @ApiProperty({ ...DEVICE_ID_SCHEMA, nullable: true, description: 'The current link; null when unlinked' })
  meterId!: string | null;
  /** Inclusive start, ISO-8601 UTC. */
  @ApiProperty({ ...UTC_INSTANT_SCHEMA, description: 'Inclusive' }) from!: string;
  /** Exclusive end, ISO-8601 UTC. */
  @ApiProperty({ ...UTC_INSTANT_SCHEMA, description: 'Exclusive' }) to!: string;
  /** Meters used in the window, by meter id. */
  @ApiProperty({ type: [MeterUse], description: 'Meters the vehicle was linked to in the window' })
  meters!: MeterUse[];
  /** Only when `bucket` was asked for: every bucket of the window, oldest first, empty ones included. */
  @ApiProperty({ type: [PerformanceBucket], required: false, description: 'Only with `bucket`, oldest first' })
  buckets?: PerformanceBucket[];
}
