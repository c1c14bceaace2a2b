import { BUCKETS, attributionCtes } from './attribution.sql.ts';

/**
 * A meter's (depot's) view over [$1, $2), $9 the meter, under the attribution rule: its AC, the DC
 * of every vehicle while linked to it, each vehicle's attributed share, the AC drawn while no
 * vehicle was linked (unattributed) and the AC of intervals in which no linked vehicle reported DC
 * (idle: a charger's standby draw, still attributed). One 'total' row, one 'vehicle' row per
 * vehicle linked in the window, and with a bucket width one 'bucket' row per bucket.
 * Readings are counted once per unit (i = 1 marks a unit's first member); suspect counts: the
 * meter's flagged readings, and the vehicles' while linked to it. $10 the fleet's threshold: the
 * meter's own (registry) replaces it.
 */
export const METER_PERFORMANCE = `
WITH ${attributionCtes('meter')},
ac AS (
  SELECT bucket, vehicle_id,
         sum(ac) FILTER (WHERE i = 1) AS metered,
         sum(share) AS attributed, sum(ac) FILTER (WHERE vehicle_id IS NULL) AS unattributed,
         sum(share) FILTER (WHERE idle) AS idle, (sum(n) FILTER (WHERE i = 1))::int AS n,
         (sum(flagged) FILTER (WHERE i = 1))::int AS suspect_meter, sum(flagged)::int AS suspect_of_members,
         GROUPING(bucket, vehicle_id) AS level
  FROM shares
  GROUP BY GROUPING SETS ((bucket), (vehicle_id), ())
),
dc AS (
  SELECT bucket, vehicle_id, sum(kwh) AS kwh, sum(flagged)::int AS suspect_vehicle, GROUPING(bucket, vehicle_id) AS level
  FROM vehicle_energy WHERE meter_id = $9::text
  GROUP BY GROUPING SETS ((bucket), (vehicle_id), ())
),
${BUCKETS},
vehicles AS (
  SELECT DISTINCT vehicle_id FROM periods WHERE valid_from < $2::timestamptz AND valid_to > $1::timestamptz
),
answer AS (
  SELECT 'total' AS kind, NULL::timestamptz AS bucket_from, NULL::timestamptz AS bucket_to, NULL::text AS vehicle_id,
         (SELECT metered FROM ac WHERE level = 3) AS ac_kwh,
         (SELECT kwh FROM dc WHERE level = 3) AS dc_kwh,
         (SELECT unattributed FROM ac WHERE level = 3) AS unattributed,
         (SELECT idle FROM ac WHERE level = 3) AS idle,
         (SELECT n FROM ac WHERE level = 3) AS meter_readings,
         (SELECT suspect_meter FROM ac WHERE level = 3) AS suspect_meter,
         (SELECT suspect_vehicle FROM dc WHERE level = 3) AS suspect_vehicle,
         EXISTS (SELECT 1 FROM meter_live_status WHERE meter_id = $9::text)
           OR EXISTS (SELECT 1 FROM link_periods WHERE meter_id = $9::text) AS known
  UNION ALL
  SELECT 'vehicle', NULL, NULL, vehicles.vehicle_id, ac.attributed, dc.kwh, NULL, ac.idle, ac.n, ac.suspect_of_members,
         dc.suspect_vehicle, NULL
  FROM vehicles
  LEFT JOIN ac ON ac.level = 2 AND ac.vehicle_id = vehicles.vehicle_id
  LEFT JOIN dc ON dc.level = 2 AND dc.vehicle_id = vehicles.vehicle_id
  UNION ALL
  SELECT 'bucket', buckets.bucket_from, buckets.bucket_to, NULL, ac.metered, dc.kwh, ac.unattributed,
         ac.idle, ac.n, ac.suspect_meter, dc.suspect_vehicle, NULL
  FROM buckets
  LEFT JOIN ac ON ac.level = 1 AND ac.bucket = buckets.bucket_from
  LEFT JOIN dc ON dc.level = 1 AND dc.bucket = buckets.bucket_from
)
SELECT kind, bucket_from, bucket_to, vehicle_id,
       coalesce(ac_kwh, 0)::float8 AS ac_kwh,
       coalesce(dc_kwh, 0)::float8 AS dc_kwh,
       (coalesce(dc_kwh, 0) / NULLIF(ac_kwh, 0))::float8 AS efficiency,
       coalesce(unattributed, 0)::float8 AS unattributed_ac_kwh,
       coalesce(idle, 0)::float8 AS idle_ac_kwh,
       coalesce(meter_readings, 0) AS meter_readings,
       coalesce(suspect_meter, 0) AS suspect_meter_readings,
       coalesce(suspect_vehicle, 0) AS suspect_vehicle_readings,
       coalesce((SELECT efficiency_threshold FROM devices WHERE kind = 'meter' AND device_id = $9::text), $10::numeric)::float8
         AS threshold,
       known
FROM answer
ORDER BY kind DESC, bucket_from, vehicle_id
`;

export interface MeterPerformanceRow {
  kind: 'total' | 'vehicle' | 'bucket';
  bucket_from: Date | null;
  bucket_to: Date | null;
  vehicle_id: string | null;
  ac_kwh: number;
  dc_kwh: number;
  efficiency: number | null;
  unattributed_ac_kwh: number;
  idle_ac_kwh: number;
  meter_readings: number;
  suspect_meter_readings: number;
  suspect_vehicle_readings: number;
  threshold: number;
  known: boolean | null;
}
