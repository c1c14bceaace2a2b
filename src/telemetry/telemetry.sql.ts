/** A flush's readings as rows: meters $1–$7, vehicles $8–$15 (see STORE_READINGS). */
const READINGS_IN = `
meter_in AS (
  SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::numeric[], $4::numeric[], $5::float8[], $6::text[], $7::text[])
    AS t(meter_id, ts, kwh, reported, voltage, quality, reason)
),
vehicle_in AS (
  SELECT * FROM unnest($8::text[], $9::timestamptz[], $10::float8[], $11::numeric[], $12::numeric[], $13::float8[],
                       $14::text[], $15::text[])
    AS t(vehicle_id, ts, soc, kwh, reported, battery_temp, quality, reason)
)`;

/**
 * One statement stores a flush's new readings, both streams (inside the flush's transaction, after
 * the register derivation: see TelemetryWriter). Data-modifying CTEs:
 *  - history: set-based INSERT from unnest(); ON CONFLICT DO NOTHING makes (device, ts) idempotent,
 *    and RETURNING names the rows that were new, so the caller can count duplicates. Each row carries
 *    the energy counted (kwh_*: 0 unless quality is 'ok'), the value as sent when it differs
 *    (reported_kwh: registers, suspect readings; NULL otherwise) and its quality and reason;
 *  - live: one row per device (newest reading of the flush, the value as sent), upserted only if it
 *    is newer than the stored one, so the live row only moves forward in time;
 *  - hourly roll-ups: the rows the history INSERT returned (never a duplicate) are summed per device
 *    and UTC hour and added to that hour's roll-up row: the energy counted, `readings` of quality
 *    'ok' (and their battery temperatures), `flagged` the others. Roll-up and history commit together,
 *    so each roll-up row equals the sums of its hour's rows exactly.
 * Rows go in (device, ts) or (device, hour) order so that concurrent flushes take row locks in the
 * same order (every flush runs this same statement, so the tables are also locked in the same order).
 *
 * Meters: $1 ids, $2 ts, $3 kWh counted, $4 kWh as sent (or NULL), $5 voltage, $6 quality, $7 reason;
 * vehicles: $8 ids, $9 ts, $10 soc, $11 kWh counted, $12 kWh as sent (or NULL), $13 battery temp,
 * $14 quality, $15 reason.
 * Returns one row per reading stored (outcome 'stored', with its quality): kind ('meter' | 'vehicle'),
 * device_id, micros (epoch µs, text). The readings not stored are duplicates; CONFLICTS_AMONG then
 * tells which of them conflict.
 */
export const STORE_READINGS = `
WITH ${READINGS_IN},
meter_history AS (
  INSERT INTO meter_telemetry (meter_id, ts, kwh_consumed_ac, reported_kwh, voltage, quality, quality_reason, received_at)
  SELECT meter_id, ts, kwh, reported, voltage, quality, reason, now() FROM meter_in ORDER BY meter_id, ts
  ON CONFLICT (meter_id, ts) DO NOTHING
  RETURNING meter_id AS device_id, ts, kwh_consumed_ac, quality
),
vehicle_history AS (
  INSERT INTO vehicle_telemetry (vehicle_id, ts, soc, kwh_delivered_dc, reported_kwh, battery_temp, quality,
                                 quality_reason, received_at)
  SELECT vehicle_id, ts, soc, kwh, reported, battery_temp, quality, reason, now() FROM vehicle_in ORDER BY vehicle_id, ts
  ON CONFLICT (vehicle_id, ts) DO NOTHING
  RETURNING vehicle_id AS device_id, ts, kwh_delivered_dc, battery_temp, quality
),
meter_live AS (
  INSERT INTO meter_live_status AS live (meter_id, ts, kwh_consumed_ac, voltage, received_at)
  SELECT DISTINCT ON (meter_id) meter_id, ts, coalesce(reported, kwh), voltage, now()
  FROM meter_in ORDER BY meter_id, ts DESC
  ON CONFLICT (meter_id) DO UPDATE
    SET ts = EXCLUDED.ts, kwh_consumed_ac = EXCLUDED.kwh_consumed_ac, voltage = EXCLUDED.voltage,
        received_at = EXCLUDED.received_at
    WHERE live.ts < EXCLUDED.ts
),
vehicle_live AS (
  INSERT INTO vehicle_live_status AS live (vehicle_id, ts, soc, kwh_delivered_dc, battery_temp, received_at)
  SELECT DISTINCT ON (vehicle_id) vehicle_id, ts, soc, coalesce(reported, kwh), battery_temp, now()
  FROM vehicle_in ORDER BY vehicle_id, ts DESC
  ON CONFLICT (vehicle_id) DO UPDATE
    SET ts = EXCLUDED.ts, soc = EXCLUDED.soc, kwh_delivered_dc = EXCLUDED.kwh_delivered_dc,
        battery_temp = EXCLUDED.battery_temp, received_at = EXCLUDED.received_at
    WHERE live.ts < EXCLUDED.ts
),
meter_rollup AS (
  INSERT INTO meter_hourly AS hourly (meter_id, hour, kwh, readings, flagged)
  SELECT device_id, date_trunc('hour', ts, 'UTC'), sum(kwh_consumed_ac),
         (count(*) FILTER (WHERE quality = 'ok'))::int, (count(*) FILTER (WHERE quality <> 'ok'))::int
  FROM meter_history GROUP BY 1, 2 ORDER BY 1, 2
  ON CONFLICT (meter_id, hour) DO UPDATE
    SET kwh = hourly.kwh + EXCLUDED.kwh, readings = hourly.readings + EXCLUDED.readings,
        flagged = hourly.flagged + EXCLUDED.flagged
),
vehicle_rollup AS (
  INSERT INTO vehicle_hourly AS hourly (vehicle_id, hour, kwh, battery_temp_sum, readings, flagged)
  SELECT device_id, date_trunc('hour', ts, 'UTC'), sum(kwh_delivered_dc),
         coalesce(sum(battery_temp) FILTER (WHERE quality = 'ok'), 0),
         (count(*) FILTER (WHERE quality = 'ok'))::int, (count(*) FILTER (WHERE quality <> 'ok'))::int
  FROM vehicle_history GROUP BY 1, 2 ORDER BY 1, 2
  ON CONFLICT (vehicle_id, hour) DO UPDATE
    SET kwh = hourly.kwh + EXCLUDED.kwh, battery_temp_sum = hourly.battery_temp_sum + EXCLUDED.battery_temp_sum,
        readings = hourly.readings + EXCLUDED.readings, flagged = hourly.flagged + EXCLUDED.flagged
)
SELECT 'meter' AS kind, device_id, (extract(epoch FROM ts) * 1000000)::int8::text AS micros, 'stored' AS outcome, quality
FROM meter_history
UNION ALL
SELECT 'vehicle', device_id, (extract(epoch FROM ts) * 1000000)::int8::text, 'stored', quality FROM vehicle_history
`;

/**
 * Of readings that were not stored (duplicates of stored rows, in STORE_READINGS' parameters), those
 * whose stored reading holds other values: conflicting duplicates. A statement of its own, after
 * STORE_READINGS in the same transaction, so that it sees a row that another transaction (another
 * flush, another replica) committed while STORE_READINGS waited on it: STORE_READINGS' own snapshot
 * predates that row, and would have counted the conflict as a plain duplicate.
 * Returns kind, device_id, micros (epoch µs, text), outcome 'conflict'.
 */
export const CONFLICTS_AMONG = `
WITH ${READINGS_IN}
SELECT 'meter' AS kind, i.meter_id AS device_id, (extract(epoch FROM i.ts) * 1000000)::int8::text AS micros,
       'conflict' AS outcome, NULL AS quality
FROM meter_in i JOIN meter_telemetry m ON m.meter_id = i.meter_id AND m.ts = i.ts
WHERE coalesce(m.reported_kwh, m.kwh_consumed_ac) <> coalesce(i.reported, i.kwh) OR m.voltage <> i.voltage
UNION ALL
SELECT 'vehicle', i.vehicle_id, (extract(epoch FROM i.ts) * 1000000)::int8::text, 'conflict', NULL
FROM vehicle_in i JOIN vehicle_telemetry v ON v.vehicle_id = i.vehicle_id AND v.ts = i.ts
WHERE coalesce(v.reported_kwh, v.kwh_delivered_dc) <> coalesce(i.reported, i.kwh) OR v.soc <> i.soc
   OR v.battery_temp <> i.battery_temp
`;

export interface StoredReadingRow {
  kind: 'meter' | 'vehicle';
  device_id: string;
  micros: string;
  outcome: 'stored' | 'conflict';
  quality: 'ok' | 'suspect' | 'glitch' | null;
}
