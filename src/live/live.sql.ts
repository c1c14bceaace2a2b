/**
 * Reads of the live tables (one row per device, written by telemetry's writer). Energy is NUMERIC
 * and leaves as float8 (the exact value the device sent: every JSON number round-trips through
 * its shortest decimal); the reading's instant leaves as exact epoch microseconds (text), so the
 * API can show it to the microsecond without going through a millisecond Date.
 */
const MICROS = `(extract(epoch FROM ts) * 1000000)::int8::text`;

const METER_COLUMNS = `meter_id, ${MICROS} AS ts_micros, kwh_consumed_ac::float8 AS kwh_consumed_ac, voltage, received_at`;
const VEHICLE_COLUMNS = `vehicle_id, ${MICROS} AS ts_micros, soc, kwh_delivered_dc::float8 AS kwh_delivered_dc,
  battery_temp, received_at`;

/** $1 meter id. */
export const METER_LIVE = `SELECT ${METER_COLUMNS} FROM meter_live_status WHERE meter_id = $1`;

/** $1 vehicle id. */
export const VEHICLE_LIVE = `SELECT ${VEHICLE_COLUMNS} FROM vehicle_live_status WHERE vehicle_id = $1`;

/**
 * A page in id order, on the primary key: $1 the id to start after ('' from the start: ids are
 * never empty), $2 only rows with ts before it ('infinity' for all), $3 how many.
 */
export const METER_LIVE_PAGE = `
SELECT ${METER_COLUMNS} FROM meter_live_status
WHERE meter_id > $1 AND ts < $2::timestamptz
ORDER BY meter_id
LIMIT $3`;

export const VEHICLE_LIVE_PAGE = `
SELECT ${VEHICLE_COLUMNS} FROM vehicle_live_status
WHERE vehicle_id > $1 AND ts < $2::timestamptz
ORDER BY vehicle_id
LIMIT $3`;

export interface MeterLiveRow {
  meter_id: string;
  ts_micros: string;
  kwh_consumed_ac: number;
  voltage: number;
  received_at: Date;
}

export interface VehicleLiveRow {
  vehicle_id: string;
  ts_micros: string;
  soc: number;
  kwh_delivered_dc: number;
  battery_temp: number;
  received_at: Date;
}
