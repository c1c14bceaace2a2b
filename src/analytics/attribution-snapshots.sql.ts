import { attributionCtes, fleetParts } from './attribution.sql.ts';

/**
 * Attribution snapshots (see the attribution-snapshots migration): the fleet attribution's outcome per
 * settled UTC hour, as running sums within the day, kept by AttributionSnapshots and read by the fleet
 * report for the hours they cover and are current.
 */

/** Days kept: the fleet report's longest window (31 days) and the day it starts in. */
export const SNAPSHOT_DAYS = 32;

/**
 * The builder's first transaction: the roll-ups and link periods in SHARE mode (it waits for writers
 * in flight, whose changes the build then sees), then the clock. A writer it does not see takes its
 * lock after this, so it reads a later clock: if it touches an hour settled here, it records a change.
 */
export const LOCK_INPUTS = `LOCK TABLE meter_hourly, vehicle_hourly, link_periods IN SHARE MODE`;
export const SETTLED_END = `SELECT attribution_settled_end() AS settled`;

/** A change to day `day` is recorded (attribution_changes) and not yet built into its snapshot. */
const CHANGED = (day: string): string => `EXISTS (SELECT 1 FROM attribution_changes c WHERE c.day = ${day})`;

/** Days of the horizon ending at $1 (the settled end) whose snapshot is missing, changed or short; newest first. */
export const DAYS_TO_BUILD = `
SELECT day, least(day + interval '24 hours', $1::timestamptz) AS build_end
FROM generate_series(date_trunc('day', $1::timestamptz - interval '1 microsecond', 'UTC') - ($2::int - 1) * interval '24 hours',
                     $1::timestamptz - interval '1 microsecond', interval '24 hours') AS day
LEFT JOIN attribution_days b USING (day)
WHERE b.day IS NULL OR ${CHANGED('day')} OR b.built_end < least(day + interval '24 hours', $1::timestamptz)
ORDER BY day DESC`;

/**
 * Day $1 as this (repeatable-read) transaction sees it: whether a change is recorded since its last
 * build, and what was built of it (to extend an unchanged day by its newly settled hours instead of
 * rebuilding it).
 */
export const DAY_STATE = `
SELECT ${CHANGED('$1::timestamptz')} AS changed, b.built_end
FROM (SELECT 1) AS one LEFT JOIN attribution_days b ON b.day = $1::timestamptz`;

/**
 * The changes of day $1 this transaction sees: the build includes them. Changes committed after its
 * snapshot are not visible to it, so they stay, and the day stays changed until the next build.
 */
export const CLEAR_CHANGES = `DELETE FROM attribution_changes WHERE day = $1::timestamptz`;

/** The day's ($2) rows from hour $1 on: replaced by the build. */
export const DELETE_FROM = `
DELETE FROM attributed_hourly WHERE hour >= $1::timestamptz AND hour < $2::timestamptz + interval '24 hours'`;

/**
 * Builds hours [$1, $2) of the UTC day starting $9 (attribution window $1…$8, one-hour buckets) on
 * top of the day's rows at $1 − 1 h (none when $1 is the day's start): every (vehicle, meter) pair
 * of those rows or of fleetParts gets a row for each hour from its first one to $2, with the running
 * sums from the day's start through that hour.
 */
export const BUILD_HOURS = `
WITH ${attributionCtes('fleet')},
${fleetParts(true)},
hourly AS (
  SELECT vehicle_id, meter_id, bucket AS hour, sum(ac_kwh) AS ac_kwh, sum(ac_readings) AS ac_readings,
         sum(ac_flagged) AS ac_flagged, sum(linked_dc_kwh) AS linked_dc_kwh, sum(dc_kwh) AS dc_kwh,
         sum(battery_temp_sum) AS battery_temp_sum, sum(dc_readings) AS dc_readings, sum(dc_flagged) AS dc_flagged
  FROM parts GROUP BY 1, 2, 3
),
base AS (
  SELECT * FROM attributed_hourly
  WHERE hour = $1::timestamptz - interval '1 hour' AND $1::timestamptz > $9::timestamptz
),
grid AS (
  SELECT p.vehicle_id, p.meter_id, g.hour
  FROM (
    SELECT vehicle_id, meter_id, min(first_hour) AS first_hour
    FROM (SELECT vehicle_id, meter_id, $1::timestamptz AS first_hour FROM base
          UNION ALL
          SELECT vehicle_id, meter_id, hour FROM hourly) AS seen
    GROUP BY 1, 2
  ) p
  CROSS JOIN LATERAL generate_series(p.first_hour, $2::timestamptz - interval '1 hour', interval '1 hour') AS g(hour)
),
inserted AS (
  INSERT INTO attributed_hourly (hour, vehicle_id, meter_id, ac_kwh, ac_readings, ac_flagged, linked_dc_kwh, dc_kwh,
                                 battery_temp_sum, dc_readings, dc_flagged)
  SELECT g.hour, g.vehicle_id, g.meter_id,
         coalesce(b.ac_kwh, 0) + sum(coalesce(h.ac_kwh, 0)) OVER pair,
         coalesce(b.ac_readings, 0) + sum(coalesce(h.ac_readings, 0)) OVER pair,
         coalesce(b.ac_flagged, 0) + sum(coalesce(h.ac_flagged, 0)) OVER pair,
         coalesce(b.linked_dc_kwh, 0) + sum(coalesce(h.linked_dc_kwh, 0)) OVER pair,
         coalesce(b.dc_kwh, 0) + sum(coalesce(h.dc_kwh, 0)) OVER pair,
         coalesce(b.battery_temp_sum, 0) + sum(coalesce(h.battery_temp_sum, 0)) OVER pair,
         coalesce(b.dc_readings, 0) + sum(coalesce(h.dc_readings, 0)) OVER pair,
         coalesce(b.dc_flagged, 0) + sum(coalesce(h.dc_flagged, 0)) OVER pair
  FROM grid g
  LEFT JOIN hourly h ON h.vehicle_id = g.vehicle_id AND h.meter_id = g.meter_id AND h.hour = g.hour
  LEFT JOIN base b ON b.vehicle_id = g.vehicle_id AND b.meter_id = g.meter_id
  WINDOW pair AS (PARTITION BY g.vehicle_id, g.meter_id ORDER BY g.hour)
  -- An hour's rows together on disk: a report reads a few hours, each an index range of adjacent pages.
  ORDER BY g.hour, g.vehicle_id, g.meter_id
  RETURNING 1
)
SELECT count(*)::int AS rows FROM inserted`;

/** $1 day, $2 the end of its build. */
export const RECORD_DAY = `
INSERT INTO attribution_days AS d (day, built_end, built_at) VALUES ($1, $2, now())
ON CONFLICT (day) DO UPDATE SET built_end = EXCLUDED.built_end, built_at = now()`;

/** Snapshots older than the horizon starting at $1. */
export const PRUNE = [
  `DELETE FROM attributed_hourly WHERE hour < $1::timestamptz`,
  `DELETE FROM attribution_days WHERE day < $1::timestamptz`,
  `DELETE FROM attribution_changes WHERE day < $1::timestamptz`,
];

/**
 * Where a fleet report over whole hours [$1, $2) stops reading snapshots: walking the days from the
 * one holding $1, the end of the built hours of the first day not built through its end without a
 * change since (a changed or unbuilt day counts as built to its start); clamped to [$1, $2).
 */
export const SNAPSHOT_END = `
SELECT least(greatest(coalesce(
  (SELECT CASE WHEN b.day IS NULL OR ${CHANGED('day')} THEN day ELSE b.built_end END
   FROM generate_series(date_trunc('day', $1::timestamptz, 'UTC'), $2::timestamptz - interval '1 microsecond',
                        interval '24 hours') AS day
   LEFT JOIN attribution_days b USING (day)
   WHERE b.day IS NULL OR ${CHANGED('day')} OR b.built_end < day + interval '24 hours'
   ORDER BY day LIMIT 1),
  $2::timestamptz), $1::timestamptz), $2::timestamptz) AS snapshot_end`;
