import { type Decimal, ZERO, compare, subtract, add, toNumber } from '../common/numbers/decimal.ts';
import type { Quality } from './reading.ts';

const HOUR_MS = 3_600_000;

/** What decides a register device's steps besides its readings (the registry's settings, or the defaults). */
export interface RegisterSettings {
  /** The value at which the register rolls over to 0, or null when it never does. */
  registerMax: Decimal | null;
  /** An increase faster than this (kW) over the elapsed time is a suspect jump. */
  maxPowerKw: number;
}

/** One register reading: its instant, the value sent, and a flag from the other bounds (voltage, temperature). */
export interface RegisterPoint {
  epochMs: number;
  value: Decimal;
  /** A reason the reading is suspect whatever its step (e.g. voltage above the bound), or null. */
  flag: string | null;
}

/** The reading a series is derived from: the last reading before it that is not a glitch. */
export interface RegisterAnchor {
  epochMs: number;
  value: Decimal;
}

/** What a reading counts: the energy of the step ending at it (0 unless ok), its quality and why. */
export interface RegisterStep {
  kwh: Decimal;
  quality: Quality;
  /** Why the step is what it is: baseline, reset, rollover, glitch, jump, or a bound's reason; null: a plain increase. */
  reason: string | null;
}

/**
 * The steps of a register series, in time order (README "Energy modes"). Each reading is measured
 * from its base, the last earlier reading that is not a glitch (the anchor for the first one):
 *  - no base: `baseline` (the first reading of the register counts nothing, it is the starting point);
 *  - an increase: counted, unless faster than maxPowerKw over the elapsed time: `suspect` (`jump`),
 *    not counted (the register has moved on: later readings are measured from it);
 *  - a drop that wraps plausibly past registerMax (the wrapped increase is at most half the range):
 *    `rollover`, counting registerMax − base + value;
 *  - a drop that the next reading contradicts (it is back at least at the base): `glitch` (a
 *    placeholder such as 0): counts nothing and is no base, so the next reading is measured across it;
 *  - any other drop (also one with no next reading yet: provisional, revised when the next arrives):
 *    `reset`, counting the value itself (the increase from 0).
 * A reset or rollover is still subject to the jump check. A reading flagged by another bound counts
 * nothing but stays the base.
 */
export function deriveRegisterSteps(
  anchor: RegisterAnchor | null,
  points: readonly RegisterPoint[],
  settings: RegisterSettings,
): RegisterStep[] {
  const steps: RegisterStep[] = [];
  let base = anchor;
  points.forEach((point, index) => {
    const step = stepOf(base, point, points[index + 1], settings);
    const flagged: RegisterStep =
      step.quality === 'ok' && point.flag !== null ? { kwh: ZERO, quality: 'suspect', reason: point.flag } : step;
    steps.push(flagged);
    if (flagged.quality !== 'glitch') base = { epochMs: point.epochMs, value: point.value };
  });
  return steps;
}

function stepOf(
  base: RegisterAnchor | null,
  point: RegisterPoint,
  next: RegisterPoint | undefined,
  settings: RegisterSettings,
): RegisterStep {
  if (base === null) return { kwh: ZERO, quality: 'ok', reason: 'baseline' };
  const elapsedMs = point.epochMs - base.epochMs;
  const increase = subtract(point.value, base.value);
  if (compare(increase, ZERO) >= 0) return checked(increase, null, elapsedMs, settings);
  if (settings.registerMax !== null) {
    const wrapped = add(subtract(settings.registerMax, base.value), point.value);
    if (compare(wrapped, ZERO) >= 0 && toNumber(wrapped) <= toNumber(settings.registerMax) / 2) {
      return checked(wrapped, 'rollover', elapsedMs, settings);
    }
  }
  if (next !== undefined && compare(next.value, base.value) >= 0)
    return { kwh: ZERO, quality: 'glitch', reason: 'glitch' };
  return checked(point.value, 'reset', elapsedMs, settings);
}

function checked(kwh: Decimal, reason: string | null, elapsedMs: number, settings: RegisterSettings): RegisterStep {
  const plausibleKwh = (settings.maxPowerKw * elapsedMs) / HOUR_MS;
  if (toNumber(kwh) > plausibleKwh) return { kwh: ZERO, quality: 'suspect', reason: 'jump' };
  return { kwh, quality: 'ok', reason };
}
