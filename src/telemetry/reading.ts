import type { ParsedInstant } from '../common/time/instant.ts';

/** A validated meter reading, its timestamp parsed once. */
export interface MeterReading {
  kind: 'meter';
  deviceId: string;
  instant: ParsedInstant;
  kwhConsumedAc: number;
  voltage: number;
}

/** A validated vehicle reading, its timestamp parsed once. */
export interface VehicleReading {
  kind: 'vehicle';
  deviceId: string;
  instant: ParsedInstant;
  soc: number;
  kwhDeliveredDc: number;
  batteryTemp: number;
}

export type Reading = MeterReading | VehicleReading;

/** A request body once validated: its readings, and whether it was an array (errors then name indexes). */
export interface ReadingsBody {
  readings: Reading[];
  isBatch: boolean;
}

/** What a client is told once its readings are committed. */
export interface IngestAck {
  /** Readings stored by this request. */
  accepted: number;
  /** Readings already stored (same device and timestamp), or repeated within the request: not stored again. */
  duplicates: number;
}

/** A reading's identity: device kind, device id and exact timestamp. */
export function readingKey(kind: Reading['kind'], deviceId: string, epochMicros: bigint | string): string {
  return `${kind}|${deviceId}|${epochMicros}`;
}
