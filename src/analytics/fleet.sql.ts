import { attributionCtes, statusExpression } from './attribution.sql.ts';
import type { VehicleStatus } from './dto/performance.dto.ts';

/**
 * Every vehicle linked at some time in [$1, $2) (whole UTC hours), under the same attribution rule
 * as the vehicle view, so its numbers equal the vehicle view's for the same window. Reads the
 * hourly roll-ups; raw readings only for hours in which a link changed mid-hour. Solo meters and
 * whole vehicles (FLEET_SHAPES) are summed per device; the rest goes through the units. Temperature
 * and reading counts are the vehicle's own, linked or not.
 *
 * $9 the fleet's threshold (a vehicle's own is the vehicle view's rule: registry, else its meters'
 * weighted by attributed AC, else the current meter's, else $9), $10 page size, $11 offset, $12 the reporting interval in seconds (coverage),
 * $13 minimum coverage, $14 status filter (or NULL), $15 meter filter (or NULL: vehicles linked to
 * that meter at any time in the window).
 * Ranked: vehicles with enough data first, worst efficiency first; insufficient ones after; then by
 * vehicle id. The totals come with every page; an offset past the end still answers them (a row
 * with a null vehicle).
 */
export const FLEET_PERFORMANCE = `
WITH ${attributionCtes('fleet')},
meter_totals AS (
  SELECT meter_id, sum(kwh) AS kwh, sum(readings)::int AS n, sum(flagged)::int AS flagged
  FROM meter_hourly WHERE hour >= $1::timestamptz AND hour < $2::timestamptz GROUP BY meter_id
),
vehicle_totals AS (
  SELECT vehicle_id, sum(kwh) AS kwh, sum(battery_temp_sum) AS temp_sum, sum(readings)::int AS n,
         sum(flagged)::int AS flagged
  FROM vehicle_hourly WHERE hour >= $1::timestamptz AND hour < $2::timestamptz GROUP BY vehicle_id
),
ac AS (
  SELECT parts.vehicle_id, sum(parts.kwh) AS kwh, sum(parts.n)::int AS n, sum(parts.flagged)::int AS flagged,
         sum(parts.kwh * coalesce(d.efficiency_threshold, $9::numeric)) AS expected
  FROM (
    SELECT p.vehicle_id, p.meter_id, t.kwh, t.n, t.flagged
    FROM meter_shapes s
    JOIN fleet_periods p ON p.meter_id = s.meter_id
    JOIN meter_totals t ON t.meter_id = s.meter_id
    WHERE s.solo
    UNION ALL
    SELECT vehicle_id, meter_id, share, n, flagged FROM shares WHERE vehicle_id IS NOT NULL
  ) parts
  LEFT JOIN devices d ON d.kind = 'meter' AND d.device_id = parts.meter_id
  GROUP BY parts.vehicle_id
),
linked_dc AS (
  SELECT vehicle_id, sum(kwh) FILTER (WHERE meter_id IS NOT NULL) AS kwh FROM vehicle_energy GROUP BY vehicle_id
),
dc AS (
  SELECT v.vehicle_id,
         CASE WHEN v.whole THEN t.kwh ELSE coalesce(l.kwh, 0) END AS kwh,
         coalesce(t.kwh, 0) - CASE WHEN v.whole THEN coalesce(t.kwh, 0) ELSE coalesce(l.kwh, 0) END AS unlinked_kwh,
         t.temp_sum, t.n, t.flagged
  FROM vehicle_shapes v
  LEFT JOIN vehicle_totals t ON t.vehicle_id = v.vehicle_id
  LEFT JOIN linked_dc l ON l.vehicle_id = v.vehicle_id
),
linked AS (
  SELECT DISTINCT ON (vehicle_id) vehicle_id, meter_id
  FROM fleet_periods WHERE valid_from < $2::timestamptz AND valid_to > $1::timestamptz
  ORDER BY vehicle_id, valid_from DESC
),
fleet AS (
  SELECT linked.vehicle_id, linked.meter_id,
         coalesce(ac.kwh, 0) AS ac_kwh, coalesce(dc.kwh, 0) AS dc_kwh, coalesce(dc.unlinked_kwh, 0) AS unlinked_dc_kwh,
         coalesce(dc.kwh, 0) / NULLIF(ac.kwh, 0) AS efficiency,
         dc.temp_sum / NULLIF(dc.n, 0) AS avg_battery_temp,
         coalesce(ac.n, 0) AS meter_readings, coalesce(dc.n, 0) AS vehicle_readings,
         coalesce(ac.flagged, 0) AS suspect_meter_readings, coalesce(dc.flagged, 0) AS suspect_vehicle_readings,
         least(coalesce(dc.n, 0) / (extract(epoch FROM $2::timestamptz - $1::timestamptz)::float8 / $12::float8), 1) AS coverage,
         coalesce(own.efficiency_threshold, ac.expected / NULLIF(ac.kwh, 0), current_meter.efficiency_threshold, $9::numeric)
           AS threshold
  FROM linked
  LEFT JOIN ac ON ac.vehicle_id = linked.vehicle_id
  LEFT JOIN dc ON dc.vehicle_id = linked.vehicle_id
  LEFT JOIN devices own ON own.kind = 'vehicle' AND own.device_id = linked.vehicle_id
  LEFT JOIN devices current_meter ON current_meter.kind = 'meter' AND current_meter.device_id = linked.meter_id
  WHERE $15::text IS NULL
     OR EXISTS (SELECT 1 FROM fleet_periods p WHERE p.vehicle_id = linked.vehicle_id AND p.meter_id = $15::text
                AND p.valid_from < $2::timestamptz AND p.valid_to > $1::timestamptz)
),
judged AS (
  SELECT fleet.*, ${statusExpression('ac_kwh', 'dc_kwh', 'coverage', 'threshold', '$13::float8')} AS status
  FROM fleet
),
totals AS (
  SELECT count(*)::int AS total,
         (count(*) FILTER (WHERE status = 'below_threshold'))::int AS total_below,
         (count(*) FILTER (WHERE status = 'insufficient_data'))::int AS total_insufficient
  FROM judged
),
page AS (
  SELECT * FROM judged
  WHERE $14::text IS NULL OR status = $14::text
  ORDER BY status = 'insufficient_data', efficiency ASC NULLS LAST, vehicle_id
  LIMIT $10 OFFSET $11
)
SELECT totals.total, totals.total_below, totals.total_insufficient,
       (SELECT count(*)::int FROM judged WHERE $14::text IS NULL OR status = $14::text) AS matching,
       page.vehicle_id, page.meter_id,
       page.ac_kwh::float8 AS ac_kwh, page.dc_kwh::float8 AS dc_kwh, page.unlinked_dc_kwh::float8 AS unlinked_dc_kwh,
       page.efficiency::float8 AS efficiency, page.avg_battery_temp::float8 AS avg_battery_temp,
       page.meter_readings, page.vehicle_readings, page.suspect_meter_readings, page.suspect_vehicle_readings,
       page.coverage, page.threshold::float8 AS threshold, page.status
FROM totals
LEFT JOIN page ON true
ORDER BY page.status = 'insufficient_data', page.efficiency ASC NULLS LAST, page.vehicle_id
`;

export interface FleetRow {
  total: number;
  total_below: number;
  total_insufficient: number;
  matching: number;
  /** Null only on the one row answered for an offset past the end. */
  vehicle_id: string | null;
  meter_id: string;
  ac_kwh: number;
  dc_kwh: number;
  unlinked_dc_kwh: number;
  efficiency: number | null;
  avg_battery_temp: number | null;
  meter_readings: number;
  vehicle_readings: number;
  suspect_meter_readings: number;
  suspect_vehicle_readings: number;
  coverage: number;
  threshold: number;
  status: VehicleStatus;
}
