/**
 * ISO-8601 instants with an explicit zone: `2026-11-26T10:00:00Z`, `…:00.123+01:00`, up to
 * microseconds (PostgreSQL's precision). Nothing looser: no date-only, no local times, no spaces.
 */
const INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(Z|[+-](\d{2}):(\d{2}))$/;

export interface ParsedInstant {
  /** Milliseconds since the epoch (JavaScript's precision). */
  epochMs: number;
  /** Microseconds since the epoch, exact: the identity of a reading together with its device. */
  epochMicros: bigint;
  /** The instant in UTC with six fractional digits, as sent to PostgreSQL. */
  iso: string;
}

export function parseInstant(text: string): ParsedInstant | undefined {
  const match = INSTANT.exec(text);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s, fraction = '', zone, zh, zm] = match as unknown as string[];
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  let offsetMinutes = 0;
  if (zone !== 'Z') {
    const offsetHours = Number(zh);
    const offsetMins = Number(zm);
    if (offsetHours > 18 || offsetMins > 59) return undefined;
    offsetMinutes = (zone!.startsWith('-') ? -1 : 1) * (offsetHours * 60 + offsetMins);
  }
  const micros = Number(fraction.padEnd(6, '0'));
  const wallMs = Date.UTC(year, month - 1, day, hour, minute, second);
  const epochSeconds = BigInt((wallMs - offsetMinutes * 60_000) / 1000);
  const epochMicros = epochSeconds * 1_000_000n + BigInt(micros);
  const epochMs = Number(epochSeconds) * 1000 + Math.floor(micros / 1000);
  const iso = `${new Date(Number(epochSeconds) * 1000).toISOString().slice(0, 19)}.${String(micros).padStart(6, '0')}Z`;
  return { epochMs, epochMicros, iso };
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}
