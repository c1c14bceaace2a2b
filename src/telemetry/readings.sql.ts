/**
 * A device's stored readings, oldest first, on the (device, ts) primary key within the window's
 * partitions. $1 device, $2 from, $3 to, $4 after (exclusive; '-infinity' from the start), $5 quality
 * filter ('flagged': not ok; NULL: all), $6 limit + 1.
 */
const FILTER = `AND ts >= $2::timestamptz AND ts < $3::timestamptz AND ts > $4::timestamptz
  AND ($5::text IS NULL OR quality = $5::text OR ($5::text = 'flagged' AND quality <> 'ok'))
ORDER BY ts LIMIT $6`;
const MICROS = `(extract(epoch FROM ts) * 1000000)::int8::text AS micros`;

export const METER_READINGS = `
SELECT ${MICROS}, coalesce(reported_kwh, kwh_consumed_ac)::float8 AS kwh_sent, kwh_consumed_ac::float8 AS energy_kwh,
       voltage, quality, quality_reason, received_at
FROM meter_telemetry WHERE meter_id = $1 ${FILTER}`;

export const VEHICLE_READINGS = `
SELECT ${MICROS}, soc, coalesce(reported_kwh, kwh_delivered_dc)::float8 AS kwh_sent,
       kwh_delivered_dc::float8 AS energy_kwh, battery_temp, quality, quality_reason, received_at
FROM vehicle_telemetry WHERE vehicle_id = $1 ${FILTER}`;

export interface ReadingRow {
  micros: string;
  kwh_sent: number;
  energy_kwh: number;
  voltage?: number;
  soc?: number;
  battery_temp?: number;
  quality: 'ok' | 'suspect' | 'glitch';
  quality_reason: string | null;
  received_at: Date;
}
