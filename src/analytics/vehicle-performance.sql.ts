import { BUCKETS, attributionCtes, statusExpression } from './attribution.sql.ts';
import type { VehicleStatus } from './dto/performance.dto.ts';

/**
 * A vehicle's performance over [$1, $2) under the attribution rule (attribution.sql.ts), $9 the
 * vehicle, in one statement. Answers one 'total' row, one 'meter' row per meter the vehicle was
 * linked to in the window, and with a bucket width ($7) one 'bucket' row per bucket, oldest first,
 * empty ones included (the last one ends at $2).
 *
 * AC: the vehicle's attributed shares. DC: what it reported while linked (to any meter); what it
 * reported while unlinked is `unlinked_dc_kwh`, kept out of the efficiency. Energy stays NUMERIC
 * until the end; efficiency is null without attributed AC. $10 the fleet's threshold, $11 reporting
 * interval (seconds), $12 minimum coverage: coverage and status as in the fleet report.
 *
 * Threshold (the same rule as the fleet report): the vehicle's own registry threshold if
 * set; else its meters' thresholds (registry, or $10) weighted by the AC attributed from each, so a
 * vehicle charged on an AC wallbox meter half the day is judged half by that meter's threshold; with
 * no AC, that of the last meter linked in the window, or $10. Suspect counts: flagged readings of the vehicle (linked or not)
 * and of its meters' readings while linked to it (as meter_readings counts them).
 */
export const VEHICLE_PERFORMANCE = `
WITH ${attributionCtes('vehicle')},
ac AS (
  SELECT s.bucket, s.meter_id, sum(s.share) AS kwh, sum(s.n)::int AS n, sum(s.flagged)::int AS flagged,
         sum(s.share * coalesce(d.efficiency_threshold, $10::numeric)) AS expected,
         GROUPING(s.bucket, s.meter_id) AS level
  FROM shares s LEFT JOIN devices d ON d.kind = 'meter' AND d.device_id = s.meter_id
  WHERE s.vehicle_id = $9::text
  GROUP BY GROUPING SETS ((s.bucket), (s.meter_id), ())
),
dc AS (
  SELECT bucket,
         sum(kwh) FILTER (WHERE meter_id IS NOT NULL) AS kwh,
         sum(kwh) FILTER (WHERE meter_id IS NULL) AS unlinked_kwh,
         sum(temp_sum) AS temp_sum, sum(n)::int AS n, sum(flagged)::int AS flagged, GROUPING(bucket) AS level
  FROM vehicle_energy WHERE vehicle_id = $9::text
  GROUP BY GROUPING SETS ((bucket), ())
),
fallback_threshold AS (
  SELECT coalesce(
    (SELECT d.efficiency_threshold FROM link_periods p
     LEFT JOIN devices d ON d.kind = 'meter' AND d.device_id = p.meter_id
     WHERE p.vehicle_id = $9::text AND p.valid_from < $2::timestamptz AND coalesce(p.valid_to, 'infinity') > $1::timestamptz
     ORDER BY p.valid_from DESC LIMIT 1),
    $10::numeric) AS last_meter,
    (SELECT efficiency_threshold FROM devices WHERE kind = 'vehicle' AND device_id = $9::text) AS own
),
${BUCKETS},
meters AS (
  SELECT meter_id, min(greatest(valid_from, $1::timestamptz)) AS period_from, max(least(valid_to, $2::timestamptz)) AS period_to
  FROM periods WHERE vehicle_id = $9::text AND valid_from < $2::timestamptz AND valid_to > $1::timestamptz
  GROUP BY meter_id
),
answer AS (
  SELECT 'total' AS kind, NULL::timestamptz AS bucket_from, NULL::timestamptz AS bucket_to,
         (SELECT meter_id FROM link_periods WHERE vehicle_id = $9::text AND valid_to IS NULL) AS meter_id,
         NULL::timestamptz AS period_from, NULL::timestamptz AS period_to,
         total_ac.kwh AS ac_kwh, total_ac.n AS meter_readings, total_ac.flagged AS suspect_meter, total_ac.expected,
         dc.kwh AS dc_kwh, dc.unlinked_kwh, dc.temp_sum, dc.n AS vehicle_readings, dc.flagged AS suspect_vehicle,
         EXISTS (SELECT 1 FROM link_periods WHERE vehicle_id = $9::text) AS ever_linked
  FROM (SELECT 1) one LEFT JOIN dc ON dc.level = 1 LEFT JOIN ac total_ac ON total_ac.level = 3
  UNION ALL
  SELECT 'meter', NULL, NULL, meters.meter_id, meters.period_from, meters.period_to,
         ac.kwh, ac.n, ac.flagged, ac.expected, NULL, NULL, NULL, NULL, NULL, NULL
  FROM meters LEFT JOIN ac ON ac.level = 2 AND ac.meter_id = meters.meter_id
  UNION ALL
  SELECT 'bucket', buckets.bucket_from, buckets.bucket_to, NULL, NULL, NULL,
         ac.kwh, ac.n, ac.flagged, ac.expected, dc.kwh, dc.unlinked_kwh, dc.temp_sum, dc.n, dc.flagged, NULL
  FROM buckets
  LEFT JOIN ac ON ac.level = 1 AND ac.bucket = buckets.bucket_from
  LEFT JOIN dc ON dc.level = 0 AND dc.bucket = buckets.bucket_from
)
SELECT kind, bucket_from, bucket_to, meter_id, period_from, period_to,
       coverage, threshold::float8 AS threshold,
       ${statusExpression('ac_kwh', 'dc_kwh', 'coverage', 'threshold', '$12::float8')} AS status,
       coalesce(ac_kwh, 0)::float8 AS ac_kwh,
       coalesce(dc_kwh, 0)::float8 AS dc_kwh,
       coalesce(unlinked_kwh, 0)::float8 AS unlinked_dc_kwh,
       (coalesce(dc_kwh, 0) / NULLIF(ac_kwh, 0))::float8 AS efficiency,
       (temp_sum / NULLIF(vehicle_readings, 0))::float8 AS avg_battery_temp,
       coalesce(meter_readings, 0) AS meter_readings,
       coalesce(vehicle_readings, 0) AS vehicle_readings,
       coalesce(suspect_meter, 0) AS suspect_meter_readings,
       coalesce(suspect_vehicle, 0) AS suspect_vehicle_readings,
       ever_linked
FROM (
  SELECT answer.*, least(coalesce(vehicle_readings, 0) / (extract(epoch FROM coalesce(bucket_to, $2::timestamptz)
           - coalesce(bucket_from, $1::timestamptz))::float8 / $11::float8), 1) AS coverage,
         coalesce(f.own, expected / NULLIF(ac_kwh, 0), f.last_meter) AS threshold
  FROM answer CROSS JOIN fallback_threshold f
) covered
ORDER BY kind DESC, bucket_from, meter_id
`;

export interface VehiclePerformanceRow {
  kind: 'total' | 'meter' | 'bucket';
  bucket_from: Date | null;
  bucket_to: Date | null;
  meter_id: string | null;
  period_from: Date | null;
  period_to: Date | null;
  ac_kwh: number;
  dc_kwh: number;
  unlinked_dc_kwh: number;
  efficiency: number | null;
  avg_battery_temp: number | null;
  meter_readings: number;
  vehicle_readings: number;
  suspect_meter_readings: number;
  suspect_vehicle_readings: number;
  ever_linked: boolean | null;
  threshold: number;
  coverage: number;
  status: VehicleStatus;
}
