/**
 * The register derivation's reads and revisions (see RegisterDeriver), run in the flush's
 * transaction under the devices' derivation locks.
 */

/**
 * How many stored readings around a flush's new ones are read to re-derive the steps they touch.
 * Glitches never follow one another (a glitch's next reading is back at its base, so it is an
 * increase), so the base of the reading before the new ones is among the two before it, and a new
 * reading changes at most the steps of the next two or three: 16 leaves a wide margin.
 */
export const CONTEXT_ROWS = 16;

const TABLE = {
  meter: {
    table: 'meter_telemetry',
    id: 'meter_id',
    kwh: 'kwh_consumed_ac',
    side: 'voltage',
    soc: 'NULL::float8',
    temp: 'NULL::float8',
  },
  vehicle: {
    table: 'vehicle_telemetry',
    id: 'vehicle_id',
    kwh: 'kwh_delivered_dc',
    side: 'battery_temp',
    soc: 'soc',
    temp: 'm.battery_temp',
  },
} as const;

/**
 * Per device and mode period: the CONTEXT_ROWS readings before its first new reading ('before',
 * newest first), every stored reading between its first and last new ones ('within'), and the
 * CONTEXT_ROWS after its last ('after'), all within the period [from, to).
 * $1 ids, $2 period from ('-infinity'), $3 first new ts, $4 last new ts, $5 period to ('infinity'), $6 the
 * group's index (answered back).
 */
export function registerContext(kind: 'meter' | 'vehicle'): string {
  const t = TABLE[kind];
  const columns = `(extract(epoch FROM ts) * 1000000)::int8::text AS micros, coalesce(reported_kwh, ${t.kwh})::text AS reported,
         ${t.kwh}::text AS kwh, quality, quality_reason AS reason, ${t.side}::float8 AS side, ${t.soc} AS soc`;
  return `
SELECT w.grp, c.part, c.micros, c.reported, c.kwh, c.quality, c.reason, c.side, c.soc
FROM unnest($1::text[], $2::timestamptz[], $3::timestamptz[], $4::timestamptz[], $5::timestamptz[], $6::int[])
  AS w(device_id, period_from, first_ts, last_ts, period_to, grp)
CROSS JOIN LATERAL (
  (SELECT 'before' AS part, ${columns} FROM ${t.table}
   WHERE ${t.id} = w.device_id AND ts >= w.period_from AND ts < w.first_ts ORDER BY ts DESC LIMIT ${CONTEXT_ROWS})
  UNION ALL
  (SELECT 'within', ${columns} FROM ${t.table}
   WHERE ${t.id} = w.device_id AND ts >= w.first_ts AND ts <= w.last_ts)
  UNION ALL
  (SELECT 'after', ${columns} FROM ${t.table}
   WHERE ${t.id} = w.device_id AND ts > w.last_ts AND ts < w.period_to ORDER BY ts LIMIT ${CONTEXT_ROWS})
) c`;
}

export interface ContextRow {
  grp: number;
  part: 'before' | 'within' | 'after';
  micros: string;
  reported: string;
  kwh: string;
  quality: 'ok' | 'suspect' | 'glitch';
  reason: string | null;
  /** Voltage (meters) or battery temperature (vehicles): the other bound. */
  side: number;
  /** Vehicles' state of charge (null for meters). */
  soc: number | null;
}

/**
 * Re-derived steps of stored readings, and the roll-ups moved by the same deltas, so that each
 * roll-up row stays exactly the sum of its hour's rows. $1 ids, $2 epoch µs, $3 new kWh, $4 new
 * quality, $5 new reason, $6 old kWh, $7 old quality; vehicles' battery temperatures (which only
 * 'ok' readings add to the roll-up) are read from the rows themselves.
 */
export function reviseSteps(kind: 'meter' | 'vehicle'): string {
  const t = TABLE[kind];
  const rollup = kind === 'meter' ? 'meter_hourly' : 'vehicle_hourly';
  const tempSet = kind === 'vehicle' ? ', battery_temp_sum = h.battery_temp_sum + d.temp' : '';
  const tempSum =
    kind === 'vehicle'
      ? `, sum(CASE WHEN (r.quality = 'ok') = (r.old_quality = 'ok') THEN 0
                    WHEN r.quality = 'ok' THEN u.temp ELSE -u.temp END) AS temp`
      : '';
  return `
WITH rev AS (
  SELECT device_id, timestamptz 'epoch' + micros * interval '1 microsecond' AS ts, kwh, quality, reason, old_kwh, old_quality
  FROM unnest($1::text[], $2::int8[], $3::numeric[], $4::text[], $5::text[], $6::numeric[], $7::text[])
    AS r(device_id, micros, kwh, quality, reason, old_kwh, old_quality)
),
updated AS (
  UPDATE ${t.table} m SET ${t.kwh} = rev.kwh, quality = rev.quality, quality_reason = rev.reason
  FROM rev WHERE m.${t.id} = rev.device_id AND m.ts = rev.ts
  RETURNING m.${t.id} AS device_id, m.ts, ${t.temp} AS temp
),
deltas AS (
  SELECT r.device_id, date_trunc('hour', r.ts, 'UTC') AS hour, sum(r.kwh - r.old_kwh) AS kwh,
         sum((r.quality = 'ok')::int - (r.old_quality = 'ok')::int)::int AS readings,
         sum((r.quality <> 'ok')::int - (r.old_quality <> 'ok')::int)::int AS flagged${tempSum}
  FROM rev r JOIN updated u ON u.device_id = r.device_id AND u.ts = r.ts
  GROUP BY 1, 2
),
rolled AS (
  UPDATE ${rollup} h SET kwh = h.kwh + d.kwh, readings = h.readings + d.readings, flagged = h.flagged + d.flagged${tempSet}
  FROM deltas d WHERE h.${t.id} = d.device_id AND h.hour = d.hour
  RETURNING 1
)
SELECT (SELECT count(*) FROM updated)::int AS revised, (SELECT count(*) FROM rolled)::int AS hours`;
}
