import { decimalText, toDecimal } from '../common/numbers/decimal.ts';
import { deriveRegisterSteps, type RegisterPoint, type RegisterSettings } from './register-steps.ts';

const MINUTE = 60_000;
const SETTINGS: RegisterSettings = { registerMax: null, maxPowerKw: 6000 };

function series(values: number[], startMs = 0, stepMs = MINUTE): RegisterPoint[] {
  return values.map((value, i) => ({ epochMs: startMs + i * stepMs, value: toDecimal(value), flag: null }));
}

function summary(anchor: number | null, values: number[], settings = SETTINGS): string[] {
  const steps = deriveRegisterSteps(
    anchor === null ? null : { epochMs: -25 * 60 * MINUTE, value: toDecimal(anchor) },
    series(values),
    settings,
  );
  return steps.map((step) => `${decimalText(step.kwh)} ${step.quality}${step.reason ? ` ${step.reason}` : ''}`);
}

describe('register steps', () => {
  it('derives the issue fixture: 3.8 kWh, the 0 a glitch, the 0.3 a reset', () => {
    expect(summary(999.0, [1000.0, 1000.5, 1001.2, 0, 1001.9, 0.3, 0.9])).toEqual([
      '1 ok',
      '0.5 ok',
      '0.7 ok',
      '0 glitch glitch',
      '0.7 ok',
      '0.3 ok reset',
      '0.6 ok',
    ]);
  });

  it('takes a drop with no next reading as a provisional reset', () => {
    expect(summary(10, [11, 0])).toEqual(['1 ok', '0 ok reset']);
    expect(summary(10, [11, 0, 11.5])).toEqual(['1 ok', '0 glitch glitch', '0.5 ok']);
  });

  it('starts a register with nothing to measure from at a baseline', () => {
    expect(summary(null, [500, 501])).toEqual(['0 ok baseline', '1 ok']);
  });

  it('counts a rollover at the register maximum, and not a far drop', () => {
    const settings = { ...SETTINGS, registerMax: toDecimal(100000) };
    expect(summary(99999.5, [0.4, 1.0], settings)).toEqual(['0.9 ok rollover', '0.6 ok']);
    expect(summary(5000, [2, 3], settings)).toEqual(['2 ok reset', '1 ok']);
  });

  it('flags an increase faster than the maximum power as a suspect jump, and measures on from it', () => {
    const settings = { ...SETTINGS, maxPowerKw: 60 }; // 1 kWh a minute
    expect(summary(null, [100, 100.9, 150, 150.5], settings)).toEqual([
      '0 ok baseline',
      '0.9 ok',
      '0 suspect jump',
      '0.5 ok',
    ]);
  });

  it('keeps a reading flagged by another bound as the base, counting nothing', () => {
    const points = series([1, 2, 3]);
    points[1]!.flag = 'voltage_above_max';
    const steps = deriveRegisterSteps({ epochMs: -MINUTE, value: toDecimal(0) }, points, SETTINGS);
    expect(steps.map((step) => [decimalText(step.kwh), step.quality, step.reason])).toEqual([
      ['1', 'ok', null],
      ['0', 'suspect', 'voltage_above_max'],
      ['1', 'ok', null],
    ]);
  });
});

describe('decimal', () => {
  it('subtracts exactly and prints plain text', () => {
    expect(decimalText(toDecimal('1001.2'))).toBe('1001.2');
    expect(decimalText(toDecimal(1e-7))).toBe('0.0000001');
    expect(decimalText(toDecimal(1e21))).toBe('1000000000000000000000');
    expect(decimalText(toDecimal('-0.5'))).toBe('-0.5');
  });
});
