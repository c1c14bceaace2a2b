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
  /** Of the readings stored, those flagged `suspect` (stored, left out of every total). */
  suspect: number;
  /** Of the duplicates, those whose values differ from the reading already held (the first one is kept). */
  conflicts: number;
}

/** How a device reports energy: each reading its own interval's energy, or a cumulative register. */
export type EnergyMode = 'interval' | 'register';
export const ENERGY_MODES: readonly EnergyMode[] = ['interval', 'register'];

/** ok: counted; suspect: implausible, stored, not counted; glitch: a register placeholder, skipped. */
export type Quality = 'ok' | 'suspect' | 'glitch';
export const QUALITIES: readonly Quality[] = ['ok', 'suspect', 'glitch'];

/** A reading's identity: device kind, device id and exact timestamp. */
export function readingKey(kind: Reading['kind'], deviceId: string, epochMicros: bigint | string): string {
  return `${kind}|${deviceId}|${epochMicros}`;
}
