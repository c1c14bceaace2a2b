/** ok | below_threshold | insufficient_data (no DC while linked, no attributed AC, or coverage under MIN_COVERAGE). */
export type VehicleStatus = 'ok' | 'below_threshold' | 'insufficient_data';

/** What every performance figure carries: a vehicle's whole window, one bucket, or one fleet row. */
export interface PerformanceTotals {
  /** AC attributed to the vehicle (its share of its meters' AC while linked), kWh. */
  acKwh: number;
  /** DC delivered to the battery while the vehicle was linked to a meter, kWh. */
  dcKwh: number;
  /** DC reported while the vehicle was linked to no meter (charged elsewhere): not in the efficiency, kWh. */
  unlinkedDcKwh: number;
  /** dcKwh / acKwh as a ratio (0.9 = 90 %); null without attributed AC. */
  efficiency: number | null;
  /** Mean battery temperature over the vehicle's readings, °C; null without readings. */
  avgBatteryTemp: number | null;
  /** Readings of the vehicle's meters taken while it was linked to them (shared or not). */
  meterReadings: number;
  /** The vehicle's readings in the window, linked or not. */
  vehicleReadings: number;
  /** vehicleReadings / the readings the window should hold at READING_INTERVAL_SECONDS, at most 1. */
  coverage: number;
  status: VehicleStatus;
}

/** A meter the vehicle was linked to during the window, and the AC attributed from it. */
export interface MeterUse {
  meterId: string;
  /** The linked time within the window, [from, to). */
  from: string;
  to: string;
  acKwh: number;
}

/** A vehicle's charging performance over a half-open window [from, to). */
export interface VehiclePerformance extends PerformanceTotals {
  vehicleId: string;
  /** The meter the vehicle is linked to now; null when it is unlinked. */
  meterId: string | null;
  /** Inclusive start, ISO-8601 UTC. */
  from: string;
  /** Exclusive end, ISO-8601 UTC. */
  to: string;
  /** Meters used in the window, by meter id. */
  meters: MeterUse[];
  /** Only when `bucket` was asked for: every bucket of the window, oldest first, empty ones included. */
  buckets?: PerformanceBucket[];
}

/**
 * One slice [from, to) of the window. Buckets start at the window's start and follow each other
 * at the bucket width; the last one ends at the window's end (shorter if the width does not divide it).
 */
export interface PerformanceBucket extends PerformanceTotals {
  from: string;
  to: string;
}
