/** What every performance figure carries: a vehicle's whole window, one bucket, or one fleet row. */
export interface PerformanceTotals {
  /** AC energy drawn by the linked meter (shared meters: the meter's whole draw), kWh. */
  acKwh: number;
  /** DC energy delivered to the vehicle's battery, kWh. */
  dcKwh: number;
  /** dcKwh / acKwh as a ratio (0.9 = 90 %); null when no AC energy was recorded. */
  efficiency: number | null;
  /** Mean battery temperature over the vehicle's readings, °C; null without readings. */
  avgBatteryTemp: number | null;
  meterReadings: number;
  vehicleReadings: number;
}

/** A vehicle's charging performance over a half-open window [from, to). */
export interface VehiclePerformance extends PerformanceTotals {
  vehicleId: string;
  meterId: string;
  /** Inclusive start, ISO-8601 UTC. */
  from: string;
  /** Exclusive end, ISO-8601 UTC. */
  to: string;
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
