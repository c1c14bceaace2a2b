/**
 * The attribution rule, as SQL shared by every view (vehicle, meter, fleet): one CTE chain, each
 * view adds its own final SELECT. See README "How energy is attributed".
 *
 * - A meter reading belongs to the vehicles linked to its meter at the reading's own timestamp
 *   (link_periods, half-open [valid_from, valid_to)).
 * - The attribution interval is the UTC hour. A "unit" is the meter's AC of one hour, one bucket
 *   and one set of linked vehicles. A unit's AC goes all to a sole vehicle; among several vehicles
 *   in proportion to each one's DC in that whole hour while linked to that meter; equally when none
 *   of them reported DC. Shares are rounded to 1e-9 kWh cumulatively in vehicle-id order (the last
 *   vehicle takes the remainder), so they add up to the unit's AC exactly: attributed + unattributed
 *   = the meter's total, in NUMERIC, for every meter, window and bucket.
 * - Energy is the energy counted (telemetry materializes it per row: interval energy, or a register's
 *   step); readings flagged suspect or glitch count 0 kWh, and are counted in `flagged`, not in the
 *   readings `n` nor in temperatures, in the raw reads as in the roll-ups.
 * - Whole hours come from the hourly roll-ups (exactly equal to the raw readings, maintained by the
 *   write statement); raw readings are read only where they must be: the window's partial edge
 *   hours, hours in which a link changes mid-hour, and every hour when the buckets cut hours.
 *
 * Parameters (the service computes them; see AttributionWindow):
 *  $1 from, $2 to: the window [from, to)
 *  $3 hourFrom, $4 hourTo: the whole hours touching the window (floor(from), ceil(to))
 *  $5 wholeFrom, $6 wholeTo: the hours read from roll-ups, [wholeFrom, wholeTo) ⊆ [from, to)
 *     (empty, both = to, when buckets cut hours)
 *  $7 bucket width (interval) or NULL for one bucket spanning the window; buckets start at $1
 *  $8 an IANA time zone (text) for day buckets that follow its calendar days (23 or 25 hours on
 *     DST changes, the first starting at $1), or NULL for fixed-width buckets from $1
 *  $9 the vehicle (vehicle view) or the meter (meter view); views add their own parameters after it
 */
const BUCKET_OF = (instant: string): string =>
  `(CASE WHEN $7::interval IS NULL THEN $1::timestamptz
         WHEN $8::text IS NULL THEN date_bin($7::interval, ${instant}, $1::timestamptz)
         ELSE (SELECT starts[width_bucket(${instant}, starts)] FROM bucket_starts) END)`;

/**
 * Every bucket's start, oldest first: fixed widths from $1, or $1 and each local midnight of $8
 * after it (calendar days of the zone). Views list buckets from it; BUCKET_OF finds a reading's
 * bucket in it by binary search (width_bucket).
 */
const BUCKET_STARTS = `
bucket_starts AS (
  SELECT CASE
    WHEN $7::interval IS NULL THEN ARRAY[$1::timestamptz]
    WHEN $8::text IS NULL THEN
      ARRAY(SELECT generate_series($1::timestamptz, $2::timestamptz - interval '1 microsecond', $7::interval))
    ELSE ARRAY(
      SELECT $1::timestamptz
      UNION
      SELECT day AT TIME ZONE $8::text
      FROM generate_series(date_trunc('day', $1::timestamptz AT TIME ZONE $8::text) + interval '1 day',
                           $2::timestamptz AT TIME ZONE $8::text, interval '1 day') AS day
      WHERE day AT TIME ZONE $8::text > $1::timestamptz AND day AT TIME ZONE $8::text < $2::timestamptz
      ORDER BY 1)
  END AS starts
),`;

/** The buckets of a view, [bucket_from, bucket_to), when a width was asked for. */
export const BUCKETS = `
buckets AS (
  SELECT start AS bucket_from, coalesce(lead(start) OVER (ORDER BY start), $2::timestamptz) AS bucket_to
  FROM bucket_starts, unnest(starts) AS start
  WHERE $7::interval IS NOT NULL
)`;

/**
 * Which meters the chain reads: one meter ($9, the meter view), a vehicle's meters, or, for the
 * fleet, the meters that are not "solo" (see FLEET_SHAPES: a solo meter's AC is summed directly).
 */
export type MeterScope = 'fleet' | 'meter' | 'vehicle';

// `= ANY(ARRAY(subquery))` rather than `IN (subquery)`: an index condition on (device id, …) keys
// with the few ids as one array, never a scan of the roll-ups' hour index for the whole fleet.
const SCOPE_PREDICATE: Record<MeterScope, (column: string) => string> = {
  fleet: (column) => `${column} = ANY(ARRAY(SELECT meter_id FROM shared_meters))`,
  meter: (column) => `${column} = $9::text`,
  vehicle: (column) => `${column} = ANY(ARRAY(SELECT meter_id FROM scope_meters))`,
};

/** The vehicles a view reads: all of them for the fleet, else those linked to the scope's meters (and the vehicle). */
const VEHICLE_PREDICATE: Record<MeterScope, (column: string) => string> = {
  fleet: (column) => `${column} = ANY(ARRAY(SELECT vehicle_id FROM split_vehicles))`,
  meter: (column) => `${column} = ANY(ARRAY(SELECT vehicle_id FROM scope_vehicles))`,
  vehicle: (column) => `${column} = ANY(ARRAY(SELECT vehicle_id FROM scope_vehicles))`,
};

/** The vehicle view's meters: those the vehicle ($9) was linked to in the hours the window touches. */
const SCOPE_METERS = `
scope_meters AS (
  SELECT DISTINCT meter_id FROM link_periods
  WHERE vehicle_id = $9::text AND valid_from < $4::timestamptz AND coalesce(valid_to, 'infinity') > $3::timestamptz
),`;

const HOUR = `interval '1 hour'`;

/** A raw reading's battery temperature where it counts (quality 'ok'), as the roll-ups keep it. */
const OK_TEMP = `CASE WHEN t.quality = 'ok' THEN t.battery_temp END`;

/**
 * The fleet's fast path. A meter is "solo" when it has exactly one link period in the hours the
 * window touches and that period covers them all: every unit of it then has one vehicle, which gets
 * all of its AC (k = 1, no rounding), so its AC is the meter's plain sum over the window, read
 * without per-hour work. A vehicle is "whole" when its one period covers those hours: all its DC is
 * linked. Only the other meters (shared, or with a link change) and vehicles go through the units.
 */
const FLEET_SHAPES = `
fleet_periods AS (
  SELECT vehicle_id, meter_id, valid_from, coalesce(valid_to, 'infinity') AS valid_to
  FROM link_periods
  WHERE valid_from < $4::timestamptz AND coalesce(valid_to, 'infinity') > $3::timestamptz
),
meter_shapes AS (
  SELECT meter_id, count(*) = 1 AND min(valid_from) <= $3::timestamptz AND max(valid_to) >= $4::timestamptz AS solo
  FROM fleet_periods GROUP BY meter_id
),
shared_meters AS (SELECT meter_id FROM meter_shapes WHERE NOT solo),
vehicle_shapes AS (
  SELECT vehicle_id, count(*) = 1 AND min(valid_from) <= $3::timestamptz AND max(valid_to) >= $4::timestamptz AS whole
  FROM fleet_periods GROUP BY vehicle_id
),
split_vehicles AS (SELECT vehicle_id FROM vehicle_shapes WHERE NOT whole),`;

export function attributionCtes(scope: MeterScope): string {
  const IN_METER_SCOPE = SCOPE_PREDICATE[scope];
  const IN_VEHICLE_SCOPE = VEHICLE_PREDICATE[scope];
  const prefix = scope === 'vehicle' ? SCOPE_METERS : scope === 'fleet' ? FLEET_SHAPES : '';
  return `${prefix}${BUCKET_STARTS}
periods AS (
  SELECT vehicle_id, meter_id, valid_from, coalesce(valid_to, 'infinity') AS valid_to
  FROM link_periods
  WHERE ${IN_METER_SCOPE('meter_id')} AND valid_from < $4::timestamptz AND coalesce(valid_to, 'infinity') > $3::timestamptz
),
scope_vehicles AS (
  SELECT vehicle_id FROM periods${scope === 'vehicle' ? '\n  UNION SELECT $9::text' : ''}
),
bounds AS (
  SELECT p.vehicle_id, p.meter_id, b.at, date_trunc('hour', b.at, 'UTC') AS hour
  FROM periods p CROSS JOIN LATERAL (VALUES (p.valid_from), (p.valid_to)) AS b(at)
  WHERE b.at > $3::timestamptz AND b.at < $4::timestamptz AND b.at <> date_trunc('hour', b.at, 'UTC')
),
meter_cut_hours AS (
  SELECT DISTINCT meter_id, hour FROM bounds
),
vehicle_cut_hours AS (
  SELECT DISTINCT vehicle_id, hour FROM bounds
),
meter_whole AS (
  SELECT h.meter_id, h.hour, h.kwh, h.readings, h.flagged
  FROM meter_hourly h
  WHERE ${IN_METER_SCOPE('h.meter_id')} AND h.hour >= $5::timestamptz AND h.hour < $6::timestamptz
    AND NOT EXISTS (SELECT 1 FROM meter_cut_hours c WHERE c.meter_id = h.meter_id AND c.hour = h.hour)
),
meter_raw AS (
  SELECT m.meter_id, m.ts, m.kwh_consumed_ac AS kwh, (m.quality <> 'ok')::int AS flagged
  FROM meter_telemetry m
  WHERE ${IN_METER_SCOPE('m.meter_id')} AND m.ts >= $1::timestamptz AND m.ts < $5::timestamptz
  UNION ALL
  SELECT m.meter_id, m.ts, m.kwh_consumed_ac, (m.quality <> 'ok')::int
  FROM meter_telemetry m
  WHERE ${IN_METER_SCOPE('m.meter_id')} AND m.ts >= $6::timestamptz AND m.ts < $2::timestamptz
  UNION ALL
  SELECT m.meter_id, m.ts, m.kwh_consumed_ac, (m.quality <> 'ok')::int
  FROM meter_cut_hours c
  JOIN meter_telemetry m ON m.meter_id = c.meter_id AND m.ts >= c.hour AND m.ts < c.hour + ${HOUR}
   AND m.ts >= $5::timestamptz AND m.ts < $6::timestamptz
  WHERE c.hour >= $5::timestamptz AND c.hour < $6::timestamptz
),
raw_units AS (
  SELECT meter_id, date_trunc('hour', ts, 'UTC') AS hour, ${BUCKET_OF('ts')} AS bucket, vehicles,
         sum(kwh) AS ac, (count(*) - sum(flagged))::int AS n, sum(flagged)::int AS flagged
  FROM (
    SELECT r.meter_id, r.ts, r.kwh, r.flagged,
           (SELECT array_agg(p.vehicle_id ORDER BY p.vehicle_id) FROM link_periods p
            WHERE p.meter_id = r.meter_id AND p.valid_from <= r.ts AND (p.valid_to IS NULL OR r.ts < p.valid_to)) AS vehicles
    FROM meter_raw r
  ) linked
  GROUP BY 1, 2, 3, 4
),
-- A whole-hour member's weight is its vehicle's roll-up of that hour: its period covers the hour, and no
-- bound of it falls inside (that would make the hour a cut hour, read raw). One scan of vehicle_hourly
-- for the scope's vehicles, hash-joined (MATERIALIZED: no per-member index lookup), instead of a range
-- scan per period, a sort and a join of every member against the weights.
scope_vehicle_hourly AS MATERIALIZED (
  SELECT vehicle_id, hour, kwh FROM vehicle_hourly
  WHERE vehicle_id = ANY(ARRAY(SELECT vehicle_id FROM periods)) AND hour >= $5::timestamptz AND hour < $6::timestamptz
),
raw_hours AS (
  SELECT DISTINCT meter_id, hour FROM raw_units
),
-- Raw units' weights (cut, edge or bucket-cut hours): DC while linked to the unit's meter, from the
-- roll-up where the period covers the hour, else from raw readings.
raw_weights AS (
  SELECT p.vehicle_id, p.meter_id, r.hour, vh.kwh AS dc
  FROM raw_hours r
  JOIN periods p ON p.meter_id = r.meter_id AND p.valid_from <= r.hour AND p.valid_to >= r.hour + ${HOUR}
  JOIN vehicle_hourly vh ON vh.vehicle_id = p.vehicle_id AND vh.hour = r.hour
  UNION ALL
  SELECT p.vehicle_id, p.meter_id, b.hour, sum(t.kwh_delivered_dc)
  FROM (SELECT DISTINCT vehicle_id, meter_id, hour FROM bounds) b
  JOIN periods p ON p.vehicle_id = b.vehicle_id AND p.meter_id = b.meter_id
   AND p.valid_from < b.hour + ${HOUR} AND p.valid_to > b.hour
  JOIN vehicle_telemetry t ON t.vehicle_id = p.vehicle_id
   AND t.ts >= greatest(p.valid_from, b.hour) AND t.ts < least(p.valid_to, b.hour + ${HOUR})
   AND t.ts >= $3::timestamptz AND t.ts < $4::timestamptz
  GROUP BY 1, 2, 3
),
members AS (
  SELECT w.meter_id, w.hour, ${BUCKET_OF('w.hour')} AS bucket, ''::text AS set_key, w.kwh AS ac, w.readings AS n,
         w.flagged, p.vehicle_id, coalesce(vh.kwh, 0) AS w
  FROM meter_whole w
  LEFT JOIN periods p ON p.meter_id = w.meter_id AND p.valid_from <= w.hour AND p.valid_to >= w.hour + ${HOUR}
  LEFT JOIN scope_vehicle_hourly vh ON vh.vehicle_id = p.vehicle_id AND vh.hour = w.hour
  UNION ALL
  SELECT u.meter_id, u.hour, u.bucket, coalesce(array_to_string(u.vehicles, ' '), ''), u.ac, u.n, u.flagged,
         v.vehicle_id, coalesce(rw.dc, 0)
  FROM raw_units u LEFT JOIN LATERAL unnest(u.vehicles) AS v(vehicle_id) ON true
  LEFT JOIN (SELECT vehicle_id, meter_id, hour, sum(dc) AS dc FROM raw_weights GROUP BY 1, 2, 3) rw
    ON rw.vehicle_id = v.vehicle_id AND rw.meter_id = u.meter_id AND rw.hour = u.hour
),
weighted AS (
  SELECT meter_id, hour, bucket, ac, n, flagged, vehicle_id, w,
         count(vehicle_id) OVER unit AS k,
         row_number() OVER (unit ORDER BY vehicle_id) AS i,
         sum(w) OVER unit AS total_w,
         sum(w) OVER (unit ORDER BY vehicle_id) AS cum_w
  FROM members
  -- Byte order for the partition keys (which unit a row is in; their order does not matter): memcmp instead
  -- of strcoll in the sort. The vehicle order inside a unit (the rounding order) keeps the column's collation.
  WINDOW unit AS (PARTITION BY meter_id COLLATE "C", hour, bucket, set_key COLLATE "C")
),
shares AS (
  SELECT meter_id, hour, bucket, vehicle_id, ac, n, flagged, i, total_w = 0 AS idle,
         CASE
           WHEN vehicle_id IS NULL THEN 0
           WHEN k = 1 THEN ac
           WHEN total_w > 0 THEN
             (CASE WHEN cum_w = total_w THEN ac ELSE round(ac * cum_w / total_w, 9) END)
             - (CASE WHEN cum_w - w = 0 THEN 0 ELSE round(ac * (cum_w - w) / total_w, 9) END)
           ELSE
             (CASE WHEN i = k THEN ac ELSE round(ac * i / k, 9) END)
             - (CASE WHEN i = 1 THEN 0 ELSE round(ac * (i - 1) / k, 9) END)
         END AS share
  FROM weighted
),
vehicle_whole AS (
  SELECT vh.vehicle_id, vh.hour, vh.kwh, vh.battery_temp_sum, vh.readings, vh.flagged
  FROM vehicle_hourly vh
  WHERE ${IN_VEHICLE_SCOPE('vh.vehicle_id')}
    AND vh.hour >= $5::timestamptz AND vh.hour < $6::timestamptz
    AND NOT EXISTS (SELECT 1 FROM vehicle_cut_hours c WHERE c.vehicle_id = vh.vehicle_id AND c.hour = vh.hour)
),
vehicle_raw AS (
  SELECT t.vehicle_id, t.ts, t.kwh_delivered_dc AS kwh, ${OK_TEMP} AS battery_temp, (t.quality <> 'ok')::int AS flagged
  FROM vehicle_telemetry t
  WHERE ${IN_VEHICLE_SCOPE('t.vehicle_id')} AND t.ts >= $1::timestamptz AND t.ts < $5::timestamptz
  UNION ALL
  SELECT t.vehicle_id, t.ts, t.kwh_delivered_dc, ${OK_TEMP}, (t.quality <> 'ok')::int
  FROM vehicle_telemetry t
  WHERE ${IN_VEHICLE_SCOPE('t.vehicle_id')} AND t.ts >= $6::timestamptz AND t.ts < $2::timestamptz
  UNION ALL
  SELECT t.vehicle_id, t.ts, t.kwh_delivered_dc, ${OK_TEMP}, (t.quality <> 'ok')::int
  FROM vehicle_cut_hours c
  JOIN vehicle_telemetry t ON t.vehicle_id = c.vehicle_id AND t.ts >= c.hour AND t.ts < c.hour + ${HOUR}
   AND t.ts >= $5::timestamptz AND t.ts < $6::timestamptz
  WHERE c.hour >= $5::timestamptz AND c.hour < $6::timestamptz
),
vehicle_energy AS (
  SELECT w.vehicle_id, ${BUCKET_OF('w.hour')} AS bucket, p.meter_id, w.kwh, w.battery_temp_sum AS temp_sum, w.readings AS n,
         w.flagged
  FROM vehicle_whole w
  LEFT JOIN periods p ON p.vehicle_id = w.vehicle_id AND p.valid_from <= w.hour AND p.valid_to >= w.hour + ${HOUR}
  UNION ALL
  SELECT r.vehicle_id, ${BUCKET_OF('r.ts')}, p.meter_id, sum(r.kwh), sum(r.battery_temp), (count(*) - sum(r.flagged))::int,
         sum(r.flagged)::int
  FROM vehicle_raw r
  LEFT JOIN periods p ON p.vehicle_id = r.vehicle_id AND p.valid_from <= r.ts AND r.ts < p.valid_to
  GROUP BY 1, 2, 3
)`;
}

export interface AttributionWindow {
  from: Date;
  to: Date;
  hourFrom: Date;
  hourTo: Date;
  wholeFrom: Date;
  wholeTo: Date;
  /** e.g. '900 seconds', or null for one bucket spanning the window. */
  bucket: string | null;
  /** Day buckets follow this zone's calendar days; null: fixed-width buckets. */
  timeZone: string | null;
}

/** $1…$8 of the attribution CTEs. */
export function attributionParams(window: AttributionWindow): unknown[] {
  return [
    window.from,
    window.to,
    window.hourFrom,
    window.hourTo,
    window.wholeFrom,
    window.wholeTo,
    window.bucket,
    window.timeZone,
  ];
}

/**
 * A vehicle's status from its totals (NUMERIC), the same in every view: not judged without DC
 * while linked, without attributed AC, or with too few readings for the window; else below or at
 * least the threshold. `coverage` is the vehicle's readings over the readings the window should hold.
 */
export function statusExpression(
  ac: string,
  dc: string,
  coverage: string,
  threshold: string,
  minCoverage: string,
): string {
  return `(CASE
    WHEN coalesce(${dc}, 0) = 0 OR coalesce(${ac}, 0) = 0 OR ${coverage} < ${minCoverage} THEN 'insufficient_data'
    WHEN ${dc} / ${ac} < ${threshold} THEN 'below_threshold'
    ELSE 'ok' END)`;
}

/**
 * The fleet attribution's outcome as rows (after attributionCtes('fleet')): per vehicle, meter and
 * bucket (with $7 NULL one bucket, $1; the snapshot builder's are hours), the AC attributed to the
 * vehicle from that meter (solo meters' whole AC, shared meters' shares, with the units' reading
 * counts), the DC it reported while linked to that meter, and its own totals: all its DC, battery temperatures, readings and flagged
 * readings, linked or not, on a row of meter '' or, with `ownKeys` (the snapshot builder, which keeps
 * rows per hour: one row fewer per vehicle), of its only meter in the window. The fleet report sums
 * them per vehicle.
 */
export function fleetParts(ownKeys: boolean): string {
  return `${
    ownKeys
      ? `
own_keys AS (
  SELECT vehicle_id, min(meter_id) AS meter_id FROM fleet_periods GROUP BY vehicle_id HAVING count(DISTINCT meter_id) = 1
),`
      : ''
  }
-- Every meter's and vehicle's roll-ups per bucket, through the hour index (as one range); solo meters
-- and whole vehicles are then joined to them (a join per device would be an index probe each).
meter_buckets AS (
  SELECT meter_id, ${BUCKET_OF('hour')} AS bucket, sum(kwh) AS kwh, sum(readings)::int AS n, sum(flagged)::int AS flagged
  FROM meter_hourly WHERE hour >= $1::timestamptz AND hour < $2::timestamptz GROUP BY 1, 2
),
vehicle_buckets AS (
  SELECT vehicle_id, ${BUCKET_OF('hour')} AS bucket, sum(kwh) AS kwh, sum(battery_temp_sum) AS temp_sum,
         sum(readings)::int AS n, sum(flagged)::int AS flagged
  FROM vehicle_hourly WHERE hour >= $1::timestamptz AND hour < $2::timestamptz GROUP BY 1, 2
),
parts AS (
  SELECT p.vehicle_id, p.meter_id, m.bucket, m.kwh AS ac_kwh, m.n AS ac_readings, m.flagged AS ac_flagged,
         0::numeric AS linked_dc_kwh, 0::numeric AS dc_kwh, 0::float8 AS battery_temp_sum, 0 AS dc_readings, 0 AS dc_flagged
  FROM meter_shapes s
  JOIN fleet_periods p ON p.meter_id = s.meter_id
  JOIN meter_buckets m ON m.meter_id = s.meter_id
  WHERE s.solo
  UNION ALL
  SELECT vehicle_id, meter_id, bucket, share, n, flagged, 0, 0, 0, 0, 0 FROM shares WHERE vehicle_id IS NOT NULL
  UNION ALL
  SELECT vehicle_id, meter_id, bucket, 0, 0, 0, kwh, 0, 0, 0, 0 FROM vehicle_energy WHERE meter_id IS NOT NULL
  UNION ALL
  SELECT v.vehicle_id, ${ownKeys ? `coalesce(k.meter_id, '')` : `''`}, v.bucket, 0, 0, 0,
         CASE WHEN s.whole THEN v.kwh ELSE 0 END, v.kwh, v.temp_sum, v.n, v.flagged
  FROM vehicle_buckets v
  LEFT JOIN vehicle_shapes s ON s.vehicle_id = v.vehicle_id${
    ownKeys
      ? `
  LEFT JOIN own_keys k ON k.vehicle_id = v.vehicle_id`
      : ''
  }
)`;
}
