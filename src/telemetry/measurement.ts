import type { AppConfig } from '../config/app-config.ts';
import type { Quality, Reading } from './reading.ts';

/** The plausibility bounds (SUSPECT_* settings): beyond them a well-formed reading is stored, flagged suspect. */
export interface Bounds {
  kwhPerReading: number;
  voltageMax: number;
  batteryTempMin: number;
  batteryTempMax: number;
}

export function boundsOf(config: AppConfig): Bounds {
  return {
    kwhPerReading: config.SUSPECT_KWH_PER_READING,
    voltageMax: config.SUSPECT_VOLTAGE_MAX,
    batteryTempMin: config.SUSPECT_BATTERY_TEMP_MIN,
    batteryTempMax: config.SUSPECT_BATTERY_TEMP_MAX,
  };
}

/** The energy value a reading carries (interval energy, or a register's value). */
export function energyOf(reading: Reading): number {
  return reading.kind === 'meter' ? reading.kwhConsumedAc : reading.kwhDeliveredDc;
}

/** The reason the values other than energy make a reading suspect (voltage, battery temperature), or null. */
export function sideFlag(kind: Reading['kind'], side: number, bounds: Bounds): string | null {
  if (kind === 'meter') return side > bounds.voltageMax ? 'voltage_above_max' : null;
  return side < bounds.batteryTempMin || side > bounds.batteryTempMax ? 'battery_temp_out_of_range' : null;
}

export function sideOf(reading: Reading): number {
  return reading.kind === 'meter' ? reading.voltage : reading.batteryTemp;
}

/** A new reading as the history stores it: energy counted, the value as sent (when it differs), quality, reason. */
export interface MeasuredReading {
  reading: Reading;
  /** Decimal text or the JSON number: the energy counted (0 unless ok). */
  kwh: string | number;
  /** The value as sent, when it is not the energy counted; null otherwise. */
  reported: number | null;
  quality: Quality;
  reason: string | null;
}

/** An interval reading: its energy counts unless a bound flags it. */
export function measureInterval(reading: Reading, bounds: Bounds): MeasuredReading {
  const energy = energyOf(reading);
  const reason = energy > bounds.kwhPerReading ? 'kwh_above_max' : sideFlag(reading.kind, sideOf(reading), bounds);
  if (reason === null) return { reading, kwh: energy, reported: null, quality: 'ok', reason: null };
  return { reading, kwh: 0, reported: energy, quality: 'suspect', reason };
}
