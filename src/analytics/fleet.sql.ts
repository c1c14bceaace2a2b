import { attributionCtes, statusExpression } from './attribution.sql.ts';
import type { VehicleStatus } from './dto/performance.dto.ts';

/**
 * Every vehicle linked at some time in [$1, $2) (whole UTC hours), under the same attribution rule
 * as the vehicle view, so its numbers equal the vehicle view's for the same window. Reads the
 * hourly roll-ups; raw readings only for hours in which a link changed mid-hour.
 *
 * $8 threshold, $9 page size, $10 offset, $11 the reporting interval in seconds (coverage),
 * $12 minimum coverage, $13 status filter (or NULL), $14 meter filter (or NULL: vehicles linked to
 * that meter at any time in the window).
 * Ranked: vehicles with enough data first, worst efficiency first; insufficient ones after; then by
 * vehicle id. The totals come with every page; an offset past the end still answers them (a row
 * with a null vehicle).
 */
export const FLEET_PERFORMANCE = `
WITH ${attributionCtes('all')},
ac AS (
  SELECT vehicle_id, sum(share) AS kwh, sum(n)::int AS n FROM shares WHERE vehicle_id IS NOT NULL GROUP BY vehicle_id
),
dc AS (
  SELECT vehicle_id,
         sum(kwh) FILTER (WHERE meter_id IS NOT NULL) AS kwh,
         sum(kwh) FILTER (WHERE meter_id IS NULL) AS unlinked_kwh,
         sum(temp_sum) AS temp_sum, sum(n)::int AS n
  FROM vehicle_energy GROUP BY vehicle_id
),
linked AS (
  SELECT DISTINCT ON (vehicle_id) vehicle_id, meter_id
  FROM periods WHERE valid_from < $2::timestamptz AND valid_to > $1::timestamptz
  ORDER BY vehicle_id, valid_from DESC
),
fleet AS (
  SELECT linked.vehicle_id, linked.meter_id,
         coalesce(ac.kwh, 0) AS ac_kwh, coalesce(dc.kwh, 0) AS dc_kwh, coalesce(dc.unlinked_kwh, 0) AS unlinked_dc_kwh,
         coalesce(dc.kwh, 0) / NULLIF(ac.kwh, 0) AS efficiency,
         dc.temp_sum / NULLIF(dc.n, 0) AS avg_battery_temp,
         coalesce(ac.n, 0) AS meter_readings, coalesce(dc.n, 0) AS vehicle_readings,
         least(coalesce(dc.n, 0) / (extract(epoch FROM $2::timestamptz - $1::timestamptz)::float8 / $11::float8), 1) AS coverage
  FROM linked
  LEFT JOIN ac ON ac.vehicle_id = linked.vehicle_id
  LEFT JOIN dc ON dc.vehicle_id = linked.vehicle_id
  WHERE $14::text IS NULL
     OR EXISTS (SELECT 1 FROM periods p WHERE p.vehicle_id = linked.vehicle_id AND p.meter_id = $14::text
                AND p.valid_from < $2::timestamptz AND p.valid_to > $1::timestamptz)
),
judged AS (
  SELECT fleet.*, ${statusExpression('ac_kwh', 'dc_kwh', 'coverage', '$8::numeric', '$12::float8')} AS status
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
  WHERE $13::text IS NULL OR status = $13::text
  ORDER BY status = 'insufficient_data', efficiency ASC NULLS LAST, vehicle_id
  LIMIT $9 OFFSET $10
)
SELECT totals.total, totals.total_below, totals.total_insufficient,
       (SELECT count(*)::int FROM judged WHERE $13::text IS NULL OR status = $13::text) AS matching,
       page.vehicle_id, page.meter_id,
       page.ac_kwh::float8 AS ac_kwh, page.dc_kwh::float8 AS dc_kwh, page.unlinked_dc_kwh::float8 AS unlinked_dc_kwh,
       page.efficiency::float8 AS efficiency, page.avg_battery_temp::float8 AS avg_battery_temp,
       page.meter_readings, page.vehicle_readings, page.coverage, page.status
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
  coverage: number;
  status: VehicleStatus;
}
