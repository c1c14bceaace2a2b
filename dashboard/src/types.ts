/** The API answers the page reads (see /docs for the full contract). */

export type Status = 'ok' | 'below_threshold' | 'insufficient_data';

export interface Totals {
  acKwh: number;
  dcKwh: number;
  unlinkedDcKwh: number;
  efficiency: number | null;
  avgBatteryTemp: number | null;
  meterReadings: number;
  vehicleReadings: number;
  coverage: number;
  status: Status;
  /** Issue 9 (quality flags) adds it; shown only when the answer carries it. */
  suspectReadings?: number;
}

export interface FleetVehicle extends Totals {
  vehicleId: string;
  meterId: string;
  belowThreshold: boolean;
}

export interface FleetReport {
  from: string;
  to: string;
  threshold: number;
  total: number;
  totalBelowThreshold: number;
  totalInsufficientData: number;
  matching: number;
  limit: number;
  offset: number;
  nextOffset: number | null;
  items: FleetVehicle[];
  suspectReadings?: number;
}

export interface Bucket extends Totals {
  from: string;
  to: string;
}

export interface VehiclePerformance extends Totals {
  vehicleId: string;
  meterId: string | null;
  from: string;
  to: string;
  meters: Array<{ meterId: string; from: string; to: string; acKwh: number }>;
  buckets?: Bucket[];
}

export interface MeterTotals {
  acKwh: number;
  dcKwh: number;
  efficiency: number | null;
  unattributedAcKwh: number;
  idleAcKwh: number;
  meterReadings: number;
  suspectReadings?: number;
}

export interface MeterPerformance extends MeterTotals {
  meterId: string;
  from: string;
  to: string;
  vehicles: Array<{ vehicleId: string; acKwh: number; dcKwh: number; efficiency: number | null }>;
  buckets?: Array<MeterTotals & { from: string; to: string }>;
}

export interface MeterLive {
  meterId: string;
  kwhConsumedAc: number;
  voltage: number;
  timestamp: string;
  receivedAt: string;
}

export interface VehicleLive {
  vehicleId: string;
  soc: number;
  kwhDeliveredDc: number;
  batteryTemp: number;
  timestamp: string;
  receivedAt: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** A stored reading as the readings lists answer it: as sent, energy counted, quality and why. */
export interface StoredReading {
  timestamp: string;
  energyKwh: number;
  quality: 'ok' | 'suspect' | 'glitch';
  qualityReason: string | null;
  receivedAt: string;
}

export interface MeterReading extends StoredReading {
  kwhConsumedAc: number;
  voltage: number;
}

export interface VehicleReading extends StoredReading {
  soc: number;
  kwhDeliveredDc: number;
  batteryTemp: number;
}

export interface ReadingsPage<T extends StoredReading> {
  from: string;
  to: string;
  items: T[];
  nextCursor: string | null;
}
