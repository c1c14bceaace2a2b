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
