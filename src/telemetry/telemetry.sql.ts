/**
 * One statement stores a whole flush, both streams, atomically (a single statement is its own
 * transaction: no BEGIN/COMMIT round trips). Data-modifying CTEs:
 *  - history: set-based INSERT from unnest(); ON CONFLICT DO NOTHING makes (device, ts) idempotent,
 *    and RETURNING names the rows that were new, so the caller can count duplicates;
 *  - live: one row per device (newest reading of the flush), upserted only if it is newer than
 *    the stored one, so the live row only moves forward in time;
 *  - hourly roll-ups: the rows the history INSERT returned (only those it stored: never a duplicate,
 *    whether repeated in the flush, already stored, or stored by a concurrent flush) are summed per
 *    device and UTC hour and added to that hour's roll-up row. A late reading lands in its own hour.
 *    Roll-up and history commit together, so each roll-up row equals the raw sums of its hour exactly.
 * Rows go in (device, ts) or (device, hour) order so that concurrent flushes take row locks in the
 * same order (every flush runs this same statement, so the tables are also locked in the same order).
 *
 * $1 meter ids, $2 ts, $3 kWh AC, $4 voltage; $5 vehicle ids, $6 ts, $7 soc, $8 kWh DC, $9 battery temp.
 * Returns one row per newly stored reading: kind ('meter' | 'vehicle'), device_id, micros (epoch µs, text).
 */
export const STORE_READINGS = `
WITH meter_in AS (
  SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::numeric[], $4::float8[])
    AS t(meter_id, ts, kwh_consumed_ac, voltage)
),
vehicle_in AS (
  SELECT * FROM unnest($5::text[], $6::timestamptz[], $7::float8[], $8::numeric[], $9::float8[])
    AS t(vehicle_id, ts, soc, kwh_delivered_dc, battery_temp)
),
meter_history AS (
  INSERT INTO meter_telemetry (meter_id, ts, kwh_consumed_ac, voltage, received_at)
  SELECT meter_id, ts, kwh_consumed_ac, voltage, now() FROM meter_in ORDER BY meter_id, ts
  ON CONFLICT (meter_id, ts) DO NOTHING
  RETURNING meter_id AS device_id, ts, kwh_consumed_ac
),
vehicle_history AS (
  INSERT INTO vehicle_telemetry (vehicle_id, ts, soc, kwh_delivered_dc, battery_temp, received_at)
  SELECT vehicle_id, ts, soc, kwh_delivered_dc, battery_temp, now() FROM vehicle_in ORDER BY vehicle_id, ts
  ON CONFLICT (vehicle_id, ts) DO NOTHING
  RETURNING vehicle_id AS device_id, ts, kwh_delivered_dc, battery_temp
),
meter_live AS (
  INSERT INTO meter_live_status AS live (meter_id, ts, kwh_consumed_ac, voltage, received_at)
  SELECT DISTINCT ON (meter_id) meter_id, ts, kwh_consumed_ac, voltage, now()
  FROM meter_in ORDER BY meter_id, ts DESC
  ON CONFLICT (meter_id) DO UPDATE
    SET ts = EXCLUDED.ts, kwh_consumed_ac = EXCLUDED.kwh_consumed_ac, voltage = EXCLUDED.voltage,
        received_at = EXCLUDED.received_at
    WHERE live.ts < EXCLUDED.ts
),
vehicle_live AS (
  INSERT INTO vehicle_live_status AS live (vehicle_id, ts, soc, kwh_delivered_dc, battery_temp, received_at)
  SELECT DISTINCT ON (vehicle_id) vehicle_id, ts, soc, kwh_delivered_dc, battery_temp, now()
  FROM vehicle_in ORDER BY vehicle_id, ts DESC
  ON CONFLICT (vehicle_id) DO UPDATE
    SET ts = EXCLUDED.ts, soc = EXCLUDED.soc, kwh_delivered_dc = EXCLUDED.kwh_delivered_dc,
        battery_temp = EXCLUDED.battery_temp, received_at = EXCLUDED.received_at
    WHERE live.ts < EXCLUDED.ts
),
meter_rollup AS (
  INSERT INTO meter_hourly AS hourly (meter_id, hour, kwh, readings)
  SELECT device_id, date_trunc('hour', ts, 'UTC'), sum(kwh_consumed_ac), count(*)::int
  FROM meter_history GROUP BY 1, 2 ORDER BY 1, 2
  ON CONFLICT (meter_id, hour) DO UPDATE
    SET kwh = hourly.kwh + EXCLUDED.kwh, readings = hourly.readings + EXCLUDED.readings
),
vehicle_rollup AS (
  INSERT INTO vehicle_hourly AS hourly (vehicle_id, hour, kwh, battery_temp_sum, readings)
  SELECT device_id, date_trunc('hour', ts, 'UTC'), sum(kwh_delivered_dc), sum(battery_temp), count(*)::int
  FROM vehicle_history GROUP BY 1, 2 ORDER BY 1, 2
  ON CONFLICT (vehicle_id, hour) DO UPDATE
    SET kwh = hourly.kwh + EXCLUDED.kwh, battery_temp_sum = hourly.battery_temp_sum + EXCLUDED.battery_temp_sum,
        readings = hourly.readings + EXCLUDED.readings
)
SELECT 'meter' AS kind, device_id, (extract(epoch FROM ts) * 1000000)::int8::text AS micros FROM meter_history
UNION ALL
SELECT 'vehicle' AS kind, device_id, (extract(epoch FROM ts) * 1000000)::int8::text AS micros FROM vehicle_history
`;

export interface StoredReadingRow {
  kind: 'meter' | 'vehicle';
  device_id: string;
  micros: string;
}
