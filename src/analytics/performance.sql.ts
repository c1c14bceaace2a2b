/**
 * A vehicle's charging performance over [$2, $3), in one round trip.
 * Each fact table is aggregated on its own (a meter × vehicle join would multiply the sums),
 * each filter sits inside its CTE on (device id, ts) so the planner prunes to the window's day
 * partitions and range-scans the primary key index. Energy sums are exact NUMERIC, turned into
 * float8 only at the end; counts are cast to int so JSON carries numbers. Efficiency is the
 * reported dc_kwh / ac_kwh (0 when AC was drawn but no DC reported), null only without AC energy.
 */
export const VEHICLE_PERFORMANCE = `
WITH link AS (
  SELECT meter_id FROM fleet_links WHERE vehicle_id = $1
),
ac AS (
  SELECT sum(kwh_consumed_ac) AS kwh, count(*)::int AS n
  FROM meter_telemetry
  WHERE meter_id = (SELECT meter_id FROM link) AND ts >= $2 AND ts < $3
),
dc AS (
  SELECT sum(kwh_delivered_dc) AS kwh, avg(battery_temp) AS avg_temp, count(*)::int AS n
  FROM vehicle_telemetry
  WHERE vehicle_id = $1 AND ts >= $2 AND ts < $3
)
SELECT (SELECT meter_id FROM link) AS meter_id,
       coalesce(ac.kwh, 0)::float8 AS ac_kwh,
       coalesce(dc.kwh, 0)::float8 AS dc_kwh,
       (coalesce(dc.kwh, 0) / NULLIF(ac.kwh, 0))::float8 AS efficiency,
       dc.avg_temp AS avg_battery_temp,
       ac.n AS meter_readings,
       dc.n AS vehicle_readings
FROM ac, dc
`;

export interface VehiclePerformanceRow {
  meter_id: string | null;
  ac_kwh: number;
  dc_kwh: number;
  efficiency: number | null;
  avg_battery_temp: number | null;
  meter_readings: number;
  vehicle_readings: number;
}

/**
 * VEHICLE_PERFORMANCE with buckets, still one round trip: $4 the bucket width (a fixed interval,
 * e.g. '900 seconds'). Each fact table is scanned once, as above; GROUPING SETS gives the per-bucket
 * sums (date_bin, aligned to the window start $2) and the window's totals (the empty set: one row
 * even without readings) from the same scan. generate_series lists every bucket of the window so
 * that empty ones appear too; the last one ends at $3.
 * Returns the totals row first (bucket_from null), then one row per bucket, oldest first.
 */
export const VEHICLE_PERFORMANCE_BUCKETS = `
WITH link AS (
  SELECT meter_id FROM fleet_links WHERE vehicle_id = $1
),
ac AS (
  SELECT date_bin($4::interval, ts, $2::timestamptz) AS bucket, sum(kwh_consumed_ac) AS kwh, count(*)::int AS n
  FROM meter_telemetry
  WHERE meter_id = (SELECT meter_id FROM link) AND ts >= $2 AND ts < $3
  GROUP BY GROUPING SETS ((date_bin($4::interval, ts, $2::timestamptz)), ())
),
dc AS (
  SELECT date_bin($4::interval, ts, $2::timestamptz) AS bucket, sum(kwh_delivered_dc) AS kwh,
         avg(battery_temp) AS avg_temp, count(*)::int AS n
  FROM vehicle_telemetry
  WHERE vehicle_id = $1 AND ts >= $2 AND ts < $3
  GROUP BY GROUPING SETS ((date_bin($4::interval, ts, $2::timestamptz)), ())
),
buckets AS (
  SELECT start AS bucket_from, least(start + $4::interval, $3::timestamptz) AS bucket_to
  FROM generate_series($2::timestamptz, $3::timestamptz - interval '1 microsecond', $4::interval) AS start
)
SELECT (SELECT meter_id FROM link) AS meter_id,
       NULL::timestamptz AS bucket_from,
       NULL::timestamptz AS bucket_to,
       coalesce(ac.kwh, 0)::float8 AS ac_kwh,
       coalesce(dc.kwh, 0)::float8 AS dc_kwh,
       (coalesce(dc.kwh, 0) / NULLIF(ac.kwh, 0))::float8 AS efficiency,
       dc.avg_temp AS avg_battery_temp,
       ac.n AS meter_readings,
       dc.n AS vehicle_readings
FROM ac, dc
WHERE ac.bucket IS NULL AND dc.bucket IS NULL
UNION ALL
SELECT NULL,
       buckets.bucket_from,
       buckets.bucket_to,
       coalesce(ac.kwh, 0)::float8,
       coalesce(dc.kwh, 0)::float8,
       (coalesce(dc.kwh, 0) / NULLIF(ac.kwh, 0))::float8,
       dc.avg_temp,
       coalesce(ac.n, 0),
       coalesce(dc.n, 0)
FROM buckets
LEFT JOIN ac ON ac.bucket = buckets.bucket_from
LEFT JOIN dc ON dc.bucket = buckets.bucket_from
ORDER BY bucket_from NULLS FIRST
`;

export interface VehiclePerformanceBucketRow extends VehiclePerformanceRow {
  bucket_from: Date | null;
  bucket_to: Date | null;
}
