/**
 * Physical plausibility bounds. A value outside them is a broken sensor or a unit mistake
 * (Wh sent as kWh), never a real reading, so it is rejected rather than billed.
 */
export const READING_LIMITS = {
  /** Energy in one reading (one minute). 100 kWh a minute is a 6 MW draw: far beyond any charger. */
  kwhMax: 100,
  /** Grid and DC-charger voltages stay well under 1,500 V (the low-voltage directive's DC ceiling). */
  voltageMax: 1500,
  /** Lithium-ion packs are dead below −40 °C and on fire above 100 °C. */
  batteryTempMin: -40,
  batteryTempMax: 100,
} as const;
