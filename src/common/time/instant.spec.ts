import fc from 'fast-check';
import { parseInstant } from './instant.ts';

const TEN_AM_UTC_MS = Date.UTC(2026, 10, 26, 10, 0, 0);
const TEN_AM_UTC_MICROS = BigInt(TEN_AM_UTC_MS) * 1000n;

describe('parseInstant', () => {
  it('parses a UTC instant into epoch milliseconds, exact epoch microseconds and a six-digit UTC string', () => {
    expect(parseInstant('2026-11-26T10:00:00Z')).toEqual({
      epochMs: TEN_AM_UTC_MS,
      epochMicros: TEN_AM_UTC_MICROS,
      iso: '2026-11-26T10:00:00.000000Z',
    });
  });

  it.each([
    ['2026-11-26T10:00:00Z'],
    ['2026-11-26T10:00:00.000000Z'],
    ['2026-11-26T10:00:00.0Z'],
    ['2026-11-26T10:00:00+00:00'],
    ['2026-11-26T10:00:00-00:00'],
    ['2026-11-26T12:00:00+02:00'],
    ['2026-11-26T04:30:00-05:30'],
    ['2026-11-27T00:00:00+14:00'],
    ['2026-11-25T22:00:00-12:00'],
  ])('reads %s as 2026-11-26T10:00:00Z', (text) => {
    expect(parseInstant(text)).toEqual({
      epochMs: TEN_AM_UTC_MS,
      epochMicros: TEN_AM_UTC_MICROS,
      iso: '2026-11-26T10:00:00.000000Z',
    });
  });

  it.each([
    ['.5', 500_000n, 500, '.500000'],
    ['.05', 50_000n, 50, '.050000'],
    ['.123', 123_000n, 123, '.123000'],
    ['.123456', 123_456n, 123, '.123456'],
    ['.000001', 1n, 0, '.000001'],
    ['.999999', 999_999n, 999, '.999999'],
  ])(
    'keeps the fraction %s to the microsecond (milliseconds rounded down)',
    (fraction, micros, millis, isoFraction) => {
      expect(parseInstant(`2026-11-26T10:00:00${fraction}Z`)).toEqual({
        epochMs: TEN_AM_UTC_MS + millis,
        epochMicros: TEN_AM_UTC_MICROS + micros,
        iso: `2026-11-26T10:00:00${isoFraction}Z`,
      });
    },
  );

  it('tells apart instants one microsecond apart', () => {
    const a = parseInstant('2026-11-26T10:00:00.000001Z')!;
    const b = parseInstant('2026-11-26T10:00:00.000002Z')!;
    expect(b.epochMicros - a.epochMicros).toBe(1n);
    expect(a.iso).not.toBe(b.iso);
  });

  it('applies a zone offset with a fraction to the right instant, across a day and a year boundary', () => {
    expect(parseInstant('2026-01-01T01:30:00.250001+02:00')).toEqual({
      epochMs: Date.UTC(2025, 11, 31, 23, 30, 0, 250),
      epochMicros: BigInt(Date.UTC(2025, 11, 31, 23, 30, 0)) * 1000n + 250_001n,
      iso: '2025-12-31T23:30:00.250001Z',
    });
  });

  it('parses instants before 1970 (negative epoch) exactly', () => {
    expect(parseInstant('1969-12-31T23:59:59.5Z')).toEqual({
      epochMs: -500,
      epochMicros: -500_000n,
      iso: '1969-12-31T23:59:59.500000Z',
    });
  });

  it.each([['2024-02-29T00:00:00Z'], ['2000-02-29T00:00:00Z'], ['2026-04-30T23:59:59Z'], ['2026-12-31T23:59:59Z']])(
    'accepts the real calendar day %s',
    (text) => {
      expect(parseInstant(text)?.epochMs).toBe(Date.parse(text));
    },
  );

  it.each([
    ['a local time without a zone', '2026-11-26T10:00:00'],
    ['a date only', '2026-11-26'],
    ['a day that does not exist', '2026-02-30T10:00:00Z'],
    ['29 February of a common year', '2026-02-29T10:00:00Z'],
    ['29 February of a century that is not a leap year', '2100-02-29T10:00:00Z'],
    ['31 April', '2026-04-31T10:00:00Z'],
    ['month 13', '2026-13-01T10:00:00Z'],
    ['month 0', '2026-00-10T10:00:00Z'],
    ['day 0', '2026-11-00T10:00:00Z'],
    ['hour 24', '2026-11-26T24:00:00Z'],
    ['minute 60', '2026-11-26T10:60:00Z'],
    ['a leap second', '2026-12-31T23:59:60Z'],
    ['no seconds', '2026-11-26T10:00Z'],
    ['a space instead of T', '2026-11-26 10:00:00Z'],
    ['a lower-case t', '2026-11-26t10:00:00Z'],
    ['a lower-case z', '2026-11-26T10:00:00z'],
    ['an offset without a colon', '2026-11-26T10:00:00+0200'],
    ['an offset of hours only', '2026-11-26T10:00:00+02'],
    ['an offset beyond 18 hours', '2026-11-26T10:00:00+19:00'],
    ['an offset with 60 minutes', '2026-11-26T10:00:00+02:60'],
    ['nanoseconds (finer than PostgreSQL keeps)', '2026-11-26T10:00:00.123456789Z'],
    ['a dot without digits', '2026-11-26T10:00:00.Z'],
    ['a comma as decimal sign', '2026-11-26T10:00:00,5Z'],
    ['a basic-format instant', '20261126T100000Z'],
    ['an expanded year', '+02026-11-26T10:00:00Z'],
    ['a week date', '2026-W48-4T10:00:00Z'],
    ['leading whitespace', ' 2026-11-26T10:00:00Z'],
    ['trailing whitespace', '2026-11-26T10:00:00Z '],
    ['a trailing newline', '2026-11-26T10:00:00Z\n'],
    ['a zone name', '2026-11-26T10:00:00 Europe/Paris'],
    ['an HTTP date', 'Thu, 26 Nov 2026 10:00:00 GMT'],
    ['epoch milliseconds as text', '1795687200000'],
    ['an empty string', ''],
    ['garbage', 'not a timestamp'],
    ['non-ASCII digits', '２０２６-11-26T10:00:00Z'],
  ])('refuses %s: %j', (_why, text) => {
    expect(parseInstant(text)).toBeUndefined();
  });

  it('agrees with Date for any millisecond instant from 2000 to 9999 written in any whole-minute offset', () => {
    const instants = fc.date({
      min: new Date('2000-01-01T00:00:00Z'),
      max: new Date('9999-12-30T00:00:00Z'),
      noInvalidDate: true,
    });
    const offsets = fc.integer({ min: -18 * 60, max: 18 * 60 });
    fc.assert(
      fc.property(instants, offsets, (instant, offsetMinutes) => {
        const text = withOffset(instant, offsetMinutes);
        const parsed = parseInstant(text);
        expect(parsed).toEqual({
          epochMs: instant.getTime(),
          epochMicros: BigInt(instant.getTime()) * 1000n,
          iso: instant.toISOString().replace(/Z$/, '000Z'),
        });
      }),
      { numRuns: 2000 },
    );
  });

  it('gives the same epoch microseconds for an instant however its microseconds and offset are written', () => {
    const micros = fc.integer({ min: 0, max: 999_999 });
    const offsets = fc.integer({ min: -14 * 60, max: 14 * 60 });
    fc.assert(
      fc.property(micros, offsets, (fraction, offsetMinutes) => {
        const digits = `.${String(fraction).padStart(6, '0')}`;
        const base = new Date(TEN_AM_UTC_MS);
        const inUtc = parseInstant(`2026-11-26T10:00:00${digits}Z`)!;
        const inOffset = parseInstant(withOffset(base, offsetMinutes, digits))!;
        expect(inOffset).toEqual(inUtc);
        expect(inUtc.epochMicros).toBe(TEN_AM_UTC_MICROS + BigInt(fraction));
      }),
      { numRuns: 500 },
    );
  });
});

/** `instant` as local time in the given offset, with its milliseconds: `…T12:00:00.000+02:00`. */
function withOffset(instant: Date, offsetMinutes: number, fraction?: string): string {
  const local = new Date(instant.getTime() + offsetMinutes * 60_000).toISOString();
  const wall = fraction === undefined ? local.slice(0, 23) : `${local.slice(0, 19)}${fraction}`;
  const abs = Math.abs(offsetMinutes);
  const zone = `${offsetMinutes < 0 ? '-' : '+'}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
  return `${wall}${zone}`;
}

const pad = (n: number): string => String(n).padStart(2, '0');
