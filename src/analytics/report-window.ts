import type { FieldProblem } from '../common/errors/error-body.ts';
import { InvalidWindow } from '../common/errors/domain-error.ts';
import { parseInstant } from '../common/time/instant.ts';
import { offsetMinutes } from '../common/time/time-zone.ts';
import type { AttributionWindow } from './attribution.sql.ts';

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;
export const MAX_WINDOW_DAYS = 31;

/** A half-open reporting window [from, to). */
export interface ReportWindow {
  from: Date;
  to: Date;
}

interface WindowBounds {
  from?: string;
  to?: string;
}

/**
 * A vehicle report's window: `to` defaults to now, `from` to `to` − 24 h. Bounds are instants to
 * the millisecond (the precision the response shows them in); from < to; at most 31 days.
 */
export function performanceWindow(bounds: WindowBounds, now: Date): ReportWindow {
  const problems: FieldProblem[] = [];
  const to = bound(bounds.to, 'to', 1n, 'a whole millisecond', problems) ?? now;
  const from = bound(bounds.from, 'from', 1n, 'a whole millisecond', problems) ?? new Date(to.getTime() - DAY_MS);
  return checked({ from, to }, problems);
}

/**
 * The fleet report's window, in whole UTC hours (it reads hourly roll-ups). Default: the 24 hours
 * ending at the end of the current hour, [ceil(now, 1 h) − 24 h, ceil(now, 1 h)), so the current
 * hour is included up to now. from < to; at most 31 days.
 */
export function hourlyWindow(bounds: WindowBounds, now: Date): ReportWindow {
  const problems: FieldProblem[] = [];
  const to = bound(bounds.to, 'to', 3_600_000n, 'a whole UTC hour', problems) ?? ceilHour(now);
  const from = bound(bounds.from, 'from', 3_600_000n, 'a whole UTC hour', problems) ?? new Date(to.getTime() - DAY_MS);
  return checked({ from, to }, problems);
}

function ceilHour(instant: Date): Date {
  return new Date(Math.ceil(instant.getTime() / HOUR_MS) * HOUR_MS);
}

/** The bound as a Date, if given; a problem if it is not a multiple of `unitMs` milliseconds. */
function bound(
  text: string | undefined,
  field: 'from' | 'to',
  unitMs: bigint,
  unitName: string,
  problems: FieldProblem[],
): Date | undefined {
  if (text === undefined) return undefined;
  const instant = parseInstant(text)!; // the DTO validated it
  if (instant.epochMicros % (unitMs * 1000n) !== 0n) {
    problems.push({ field, errors: [`${field} must be ${unitName} (got ${text})`] });
  }
  return new Date(instant.epochMs);
}

function checked(window: ReportWindow, problems: FieldProblem[]): ReportWindow {
  if (problems.length === 0) {
    const span = window.to.getTime() - window.from.getTime();
    if (span <= 0) {
      problems.push({ field: 'from', errors: [`from must be before to (${window.to.toISOString()})`] });
    } else if (span > MAX_WINDOW_DAYS * DAY_MS) {
      problems.push({
        field: 'from',
        errors: [
          `the window may span at most ${MAX_WINDOW_DAYS} days; from is ${window.from.toISOString()}, to is ${window.to.toISOString()}`,
        ],
      });
    }
  }
  if (problems.length > 0) throw new InvalidWindow(problems);
  return window;
}

const floorHour = (instant: Date): Date => new Date(Math.floor(instant.getTime() / HOUR_MS) * HOUR_MS);

/**
 * The attribution statements' view of a window: the hours it touches, and the whole hours that
 * may be read from the hourly roll-ups. Buckets that cut hours (15 min, or any width when the
 * window does not start on an hour) leave no whole hour: everything is read raw.
 */
export function attributionWindow(window: ReportWindow, bucketSeconds?: number, timeZone?: string): AttributionWindow {
  const { from, to } = window;
  const hourFrom = floorHour(from);
  const hourTo = ceilHour(to);
  const calendarDays = bucketSeconds === 86_400 && timeZone !== undefined;
  // Local midnights fall on UTC hours only where the zone's offset is whole hours (not India's +05:30).
  const zoneKeepsHours = !calendarDays || [from, to].every((instant) => offsetMinutes(timeZone, instant) % 60 === 0);
  const bucketsKeepHours =
    bucketSeconds === undefined ||
    (bucketSeconds % 3600 === 0 && from.getTime() === hourFrom.getTime() && zoneKeepsHours);
  let wholeFrom = to;
  let wholeTo = to;
  if (bucketsKeepHours) {
    wholeFrom = new Date(Math.min(ceilHour(from).getTime(), to.getTime()));
    wholeTo = new Date(Math.max(wholeFrom.getTime(), floorHour(to).getTime()));
  }
  return {
    from,
    to,
    hourFrom,
    hourTo,
    wholeFrom,
    wholeTo,
    bucket: bucketSeconds === undefined ? null : `${bucketSeconds} seconds`,
    timeZone: calendarDays ? timeZone : null,
  };
}

/**
 * The local calendar day `day` (YYYY-MM-DD) of `timeZone` as a window of whole UTC hours: 23 or 25
 * hours long on DST changes. Zones whose offset is not a whole hour that day have no such window
 * (the fleet report reads hourly roll-ups): null.
 */
export function localDayWindow(day: string, timeZone: string): ReportWindow | null {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const startOf = (year: number, month: number, date: number): Date => {
    // Midnight local = UTC midnight minus the offset in force then (found by two steps: offsets change only by hours).
    const guess = Date.UTC(year, month - 1, date);
    const first = guess - offsetMinutes(timeZone, new Date(guess)) * 60_000;
    return new Date(guess - offsetMinutes(timeZone, new Date(first)) * 60_000);
  };
  const from = startOf(y, m, d);
  const to = startOf(y, m, d + 1);
  if (from.getTime() % HOUR_MS !== 0 || to.getTime() % HOUR_MS !== 0) return null;
  return { from, to };
}

/** The fleet report's `?day=&tz=` window: that local day, or a 400 saying why not. */
export function fleetDayWindow(query: { day?: string; tz?: string; from?: string; to?: string }): ReportWindow {
  if (query.from !== undefined || query.to !== undefined) {
    throw new InvalidWindow([{ field: 'day', errors: ['day replaces from and to: send one or the other'] }]);
  }
  const timeZone = query.tz ?? 'UTC';
  const window = localDayWindow(query.day!, timeZone);
  if (window === null) {
    throw new InvalidWindow([
      {
        field: 'tz',
        errors: [
          `${timeZone} is not a whole number of hours from UTC on ${query.day}: the fleet report reads hourly roll-ups, ` +
            'so its local days need whole-hour offsets; ask for from/to on UTC hours instead',
        ],
      },
    ]);
  }
  return window;
}
