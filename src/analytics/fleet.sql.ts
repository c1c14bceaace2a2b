/**
 * Every linked vehicle's performance over [$1, $2) (whole UTC hours), ranked worst efficiency first
 * (no efficiency last, then vehicle id), a page of $4 rows from offset $5; $3 the alert threshold.
 *
 * Reads the hourly roll-ups (meter_hourly, vehicle_hourly), never the raw history: a fleet day is
 * 240,000 roll-up rows per stream, against 14.4 million readings. Each roll-up table is summed on
 * its own per device (a join first would multiply sums), then joined to fleet_links: a vehicle
 * without a link is left out, a shared meter's AC counts in full for each of its vehicles. Energy
 * stays NUMERIC until the end, so efficiency is compared with the threshold exactly; the average
 * battery temperature is Σ temperature / Σ readings over the window (each reading weighs the same).
 * The totals come with every page; an offset past the end still answers them (a row with a null vehicle).
 */
export const FLEET_PERFORMANCE = `
WITH ac AS (
  SELECT meter_id, sum(kwh) AS kwh, sum(readings)::int AS n
  FROM meter_hourly
  WHERE hour >= $1 AND hour < $2
  GROUP BY meter_id
),
dc AS (
  SELECT vehicle_id, sum(kwh) AS kwh, sum(battery_temp_sum) AS temp_sum, sum(readings)::int AS n
  FROM vehicle_hourly
  WHERE hour >= $1 AND hour < $2
  GROUP BY vehicle_id
),
fleet AS (
  SELECT link.vehicle_id,
         link.meter_id,
         coalesce(ac.kwh, 0) AS ac_kwh,
         coalesce(dc.kwh, 0) AS dc_kwh,
         coalesce(dc.kwh, 0) / NULLIF(ac.kwh, 0) AS efficiency,
         dc.temp_sum / dc.n AS avg_battery_temp,
         coalesce(ac.n, 0) AS meter_readings,
         coalesce(dc.n, 0) AS vehicle_readings
  FROM fleet_links link
  LEFT JOIN ac ON ac.meter_id = link.meter_id
  LEFT JOIN dc ON dc.vehicle_id = link.vehicle_id
),
totals AS (
  SELECT count(*)::int AS total, (count(*) FILTER (WHERE efficiency < $3::numeric))::int AS total_below
  FROM fleet
),
page AS (
  SELECT * FROM fleet
  ORDER BY efficiency ASC NULLS LAST, vehicle_id
  LIMIT $4 OFFSET $5
)
SELECT totals.total,
       totals.total_below,
       page.vehicle_id,
       page.meter_id,
       page.ac_kwh::float8 AS ac_kwh,
       page.dc_kwh::float8 AS dc_kwh,
       page.efficiency::float8 AS efficiency,
       page.avg_battery_temp,
       page.meter_readings,
       page.vehicle_readings,
       coalesce(page.efficiency < $3::numeric, false) AS below_threshold
FROM totals
LEFT JOIN page ON true
ORDER BY page.efficiency ASC NULLS LAST, page.vehicle_id
`;

export interface FleetRow {
  total: number;
  total_below: number;
  /** Null only on the one row answered for an offset past the end. */
  vehicle_id: string | null;
  meter_id: string;
  ac_kwh: number;
  dc_kwh: number;
  efficiency: number | null;
  avg_battery_temp: number | null;
  meter_readings: number;
  vehicle_readings: number;
  below_threshold: boolean;
}
