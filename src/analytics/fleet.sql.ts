import { attributionCtes, fleetParts, statusExpression } from './attribution.sql.ts';
import type { VehicleStatus } from './dto/performance.dto.ts';

/**
 * Every vehicle linked at some time in the report's window [$16, $2) (whole UTC hours), under the
 * same attribution rule as the vehicle view, so its numbers equal the vehicle view's for the same
 * window. The window is read in two parts, both in the caller's one snapshot of the database:
 *  - [$16, $1): attribution snapshots (attributed_hourly, running sums within each UTC day): the
 *    slices $17 (hours) with signs $18 (snapshotSlices). The caller checked that every hour of those
 *    days up to $1 is built and current (SNAPSHOT_END);
 *  - [$1, $2): the attribution rule itself (attributionCtes, fleetParts), when `live`: the hourly
 *    roll-ups, and raw readings only for hours in which a link changed mid-hour.
 * Both give per (vehicle, meter) rows of the same kind (fleetParts), summed per vehicle. Temperature
 * and reading counts are the vehicle's own, linked or not.
 *
 * $1…$8 the live part's attribution window ($1 = $2 when there is none: then unused but typed),
 * $9 the fleet's threshold (a vehicle's own is the vehicle view's rule: registry, else its meters'
 * weighted by attributed AC, else the current meter's, else $9), $10 page size, $11 offset, $12 the
 * reporting interval in seconds (coverage), $13 minimum coverage, $14 status filter (or NULL), $15
 * meter filter (or NULL: vehicles linked to that meter at any time in the window), $16 the window's
 * start, $17 and $18 the snapshot slices (empty when it is all live).
 * Ranked: vehicles with enough data first, worst efficiency first; insufficient ones after; then by
 * vehicle id. The totals come with every page; an offset past the end still answers them (a row
 * with a null vehicle).
 */
export function fleetPerformance(live: boolean): string {
  const livePart = live
    ? `${attributionCtes('fleet')},
${fleetParts(false)},`
    : `-- Not read: types the live part's parameters, which this statement does not use.
unused_parameters AS (SELECT $1::timestamptz, $3::timestamptz, $4::timestamptz, $5::timestamptz, $6::timestamptz, $7::interval, $8::text),`;
  return `
WITH ${livePart}
combined AS (
  SELECT a.vehicle_id, a.meter_id, s.sign * a.ac_kwh AS ac_kwh, s.sign * a.ac_readings AS ac_readings,
         s.sign * a.ac_flagged AS ac_flagged, s.sign * a.linked_dc_kwh AS linked_dc_kwh, s.sign * a.dc_kwh AS dc_kwh,
         s.sign * a.battery_temp_sum AS battery_temp_sum, s.sign * a.dc_readings AS dc_readings,
         s.sign * a.dc_flagged AS dc_flagged
  FROM unnest($17::timestamptz[], $18::int[]) AS s(hour, sign)
  JOIN attributed_hourly a ON a.hour = s.hour${
    live
      ? `
  UNION ALL
  SELECT vehicle_id, meter_id, ac_kwh, ac_readings, ac_flagged, linked_dc_kwh, dc_kwh, battery_temp_sum, dc_readings,
         dc_flagged
  FROM parts`
      : ''
  }
),
vehicle_sums AS (
  SELECT c.vehicle_id, sum(c.ac_kwh) AS ac_kwh, sum(c.ac_readings)::int AS ac_n, sum(c.ac_flagged)::int AS ac_flagged,
         sum(c.ac_kwh * coalesce(d.efficiency_threshold, $9::numeric)) AS expected,
         sum(c.linked_dc_kwh) AS linked_dc_kwh, sum(c.dc_kwh) AS dc_kwh, sum(c.battery_temp_sum) AS temp_sum,
         sum(c.dc_readings)::int AS dc_n, sum(c.dc_flagged)::int AS dc_flagged
  FROM combined c
  LEFT JOIN devices d ON d.kind = 'meter' AND d.device_id = c.meter_id
  GROUP BY c.vehicle_id
),
report_periods AS (
  SELECT vehicle_id, meter_id, valid_from FROM link_periods
  WHERE valid_from < $2::timestamptz AND coalesce(valid_to, 'infinity') > $16::timestamptz
),
linked AS (
  SELECT DISTINCT ON (vehicle_id) vehicle_id, meter_id FROM report_periods ORDER BY vehicle_id, valid_from DESC
),
fleet AS (
  SELECT linked.vehicle_id, linked.meter_id,
         coalesce(v.ac_kwh, 0) AS ac_kwh, coalesce(v.linked_dc_kwh, 0) AS dc_kwh,
         coalesce(v.dc_kwh, 0) - coalesce(v.linked_dc_kwh, 0) AS unlinked_dc_kwh,
         coalesce(v.linked_dc_kwh, 0) / NULLIF(v.ac_kwh, 0) AS efficiency,
         v.temp_sum / NULLIF(v.dc_n, 0) AS avg_battery_temp,
         coalesce(v.ac_n, 0) AS meter_readings, coalesce(v.dc_n, 0) AS vehicle_readings,
         coalesce(v.ac_flagged, 0) AS suspect_meter_readings, coalesce(v.dc_flagged, 0) AS suspect_vehicle_readings,
         least(coalesce(v.dc_n, 0) / (extract(epoch FROM $2::timestamptz - $16::timestamptz)::float8 / $12::float8), 1)
           AS coverage,
         coalesce(own.efficiency_threshold, v.expected / NULLIF(v.ac_kwh, 0), current_meter.efficiency_threshold, $9::numeric)
           AS threshold
  FROM linked
  LEFT JOIN vehicle_sums v ON v.vehicle_id = linked.vehicle_id
  LEFT JOIN devices own ON own.kind = 'vehicle' AND own.device_id = linked.vehicle_id
  LEFT JOIN devices current_meter ON current_meter.kind = 'meter' AND current_meter.device_id = linked.meter_id
  WHERE $15::text IS NULL
     OR EXISTS (SELECT 1 FROM report_periods p WHERE p.vehicle_id = linked.vehicle_id AND p.meter_id = $15::text)
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
}

/**
 * With a live part: the whole window live ($1 = $16, no slices), as every report was before the
 * snapshots, or snapshots then live.
 */
export const FLEET_PERFORMANCE = fleetPerformance(true);
/** All of the window from snapshots ($1 = $2). */
export const FLEET_FROM_SNAPSHOTS = fleetPerformance(false);

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;

/**
 * The snapshot rows that sum to [from, end) (whole UTC hours): in each UTC day the part overlaps,
 * the running sums at the part's last hour (+1), less, when `from` is not a midnight, those at the
 * hour before it (−1). Nothing when from = end.
 */
export function snapshotSlices(from: Date, end: Date): { hours: Date[]; signs: number[] } {
  const hours: Date[] = [];
  const signs: number[] = [];
  const firstDay = Math.floor(from.getTime() / DAY_MS) * DAY_MS;
  if (from.getTime() < end.getTime()) {
    for (let day = firstDay; day < end.getTime(); day += DAY_MS) {
      hours.push(new Date(Math.min(day + DAY_MS, end.getTime()) - HOUR_MS));
      signs.push(1);
    }
    if (from.getTime() > firstDay) {
      hours.push(new Date(from.getTime() - HOUR_MS));
      signs.push(-1);
    }
  }
  return { hours, signs };
}

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
