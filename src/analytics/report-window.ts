import type { FieldProblem } from '../common/errors/error-body.ts';
import { InvalidWindow } from '../common/errors/domain-error.ts';
import { parseInstant } from '../common/time/instant.ts';
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
export function attributionWindow(window: ReportWindow, bucketSeconds?: number): AttributionWindow {
  const { from, to } = window;
  const hourFrom = floorHour(from);
  const hourTo = ceilHour(to);
  const bucketsKeepHours =
    bucketSeconds === undefined || (bucketSeconds % 3600 === 0 && from.getTime() === hourFrom.getTime());
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
  };
}
