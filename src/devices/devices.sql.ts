/**
 * The device registry (devices: current settings; device_modes: how a device reported over time).
 * Only DevicesService writes these tables. Kinds are 'meter' | 'vehicle'.
 */

/**
 * The lock that orders everything that derives a device's energy: registry changes and the writer's
 * register derivation take it (transaction-scoped), so a mode never changes under a derivation.
 * $1 kind, $2 device id.
 */
export const LOCK_DEVICE = `SELECT pg_advisory_xact_lock(hashtextextended('device:' || $1::text || ':' || $2::text, 0))`;

/**
 * The registry's own lock, one for all devices: every flush holds it shared from before it reads the
 * modes of its devices until it commits, and a registry change takes it exclusively before it looks
 * at a device's readings. So a change never decides on readings that a flush is storing under the
 * mode it read before the change (a device registered "before its first reading" while that reading
 * is being stored as interval energy, or a mode change whose `effectiveFrom` a committing flush is
 * about to pass). One key, not one per device: a flush of thousands of devices takes one lock, and
 * registry changes are rare operator actions that wait for the flushes in progress (milliseconds).
 * Both take it before any device lock (LOCK_DEVICE, LOCK_DEVICES): one order, no deadlock.
 */
const REGISTRY_LOCK_KEY = `hashtextextended('device-registry', 0)`;
export const LOCK_REGISTRY_SHARED = `SELECT pg_advisory_xact_lock_shared(${REGISTRY_LOCK_KEY})`;
export const LOCK_REGISTRY = `SELECT pg_advisory_xact_lock(${REGISTRY_LOCK_KEY})`;

/** Several devices' locks in one statement, in key order (no deadlock between flushes). $1 kinds, $2 ids. */
export const LOCK_DEVICES = `
SELECT count(pg_advisory_xact_lock(key))::int AS locked
FROM (SELECT hashtextextended('device:' || kind || ':' || id, 0) AS key
      FROM unnest($1::text[], $2::text[]) AS d(kind, id) ORDER BY 1) keys`;

const DEVICE_COLUMNS = `d.device_id, d.energy_mode, d.register_max::float8 AS register_max, d.max_power_kw,
  d.efficiency_threshold::float8 AS efficiency_threshold, d.created_at, d.updated_at,
  (SELECT coalesce(json_agg(json_build_object(
            'energyMode', m.energy_mode,
            'effectiveFrom', CASE WHEN isfinite(m.effective_from)
                                  THEN to_char(m.effective_from AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') END)
          ORDER BY m.effective_from), '[]')
   FROM device_modes m WHERE m.kind = d.kind AND m.device_id = d.device_id) AS modes`;

/** $1 kind, $2 id. */
export const DEVICE = `SELECT ${DEVICE_COLUMNS} FROM devices d WHERE d.kind = $1 AND d.device_id = $2`;

/** $1 kind, $2 after ('' from the start), $3 mode filter or NULL, $4 limit + 1. */
export const DEVICE_PAGE = `
SELECT ${DEVICE_COLUMNS} FROM devices d
WHERE d.kind = $1 AND d.device_id > $2 AND ($3::text IS NULL OR d.energy_mode = $3::text)
ORDER BY d.device_id
LIMIT $4`;

/** $1 kind, $2 id, $3 mode, $4 register max, $5 max power, $6 efficiency threshold. */
export const UPSERT_DEVICE = `
INSERT INTO devices AS d (kind, device_id, energy_mode, register_max, max_power_kw, efficiency_threshold)
VALUES ($1, $2, $3, $4::numeric, $5, $6::numeric)
ON CONFLICT (kind, device_id) DO UPDATE
  SET energy_mode = EXCLUDED.energy_mode, register_max = EXCLUDED.register_max, max_power_kw = EXCLUDED.max_power_kw,
      efficiency_threshold = EXCLUDED.efficiency_threshold, updated_at = now()`;

/** The latest stored reading of a meter ($1) or a vehicle ($1), or no row. */
export const LATEST_READING: Record<'meter' | 'vehicle', string> = {
  meter: `SELECT ts FROM meter_telemetry WHERE meter_id = $1 ORDER BY ts DESC LIMIT 1`,
  vehicle: `SELECT ts FROM vehicle_telemetry WHERE vehicle_id = $1 ORDER BY ts DESC LIMIT 1`,
};

/** $1 kind, $2 id, $3 effective from ('-infinity': all readings), $4 mode. */
export const ADD_MODE = `
INSERT INTO device_modes (kind, device_id, effective_from, energy_mode) VALUES ($1, $2, $3::timestamptz, $4)
ON CONFLICT (kind, device_id, effective_from) DO UPDATE SET energy_mode = EXCLUDED.energy_mode, recorded_at = now()`;

/** A device without readings: its history is replaced by the one mode. $1 kind, $2 id. */
export const CLEAR_MODES = `DELETE FROM device_modes WHERE kind = $1 AND device_id = $2`;

/**
 * The mode periods of a flush's devices with the settings a derivation needs, oldest first.
 * $1 meter ids, $2 vehicle ids. from_micros is NULL for a period from the beginning.
 */
export const MODES_OF = `
SELECT m.kind, m.device_id, m.energy_mode,
       CASE WHEN isfinite(m.effective_from) THEN (extract(epoch FROM m.effective_from) * 1000000)::int8::text END AS from_micros,
       d.register_max::text AS register_max, d.max_power_kw
FROM device_modes m
JOIN devices d ON d.kind = m.kind AND d.device_id = m.device_id
WHERE (m.kind = 'meter' AND m.device_id = ANY($1::text[])) OR (m.kind = 'vehicle' AND m.device_id = ANY($2::text[]))
ORDER BY m.kind, m.device_id, m.effective_from`;

export interface DeviceRow {
  device_id: string;
  energy_mode: 'interval' | 'register';
  register_max: number | null;
  max_power_kw: number | null;
  efficiency_threshold: number | null;
  created_at: Date;
  updated_at: Date;
  modes: { energyMode: 'interval' | 'register'; effectiveFrom: string | null }[];
}

export interface ModeRow {
  kind: 'meter' | 'vehicle';
  device_id: string;
  energy_mode: 'interval' | 'register';
  from_micros: string | null;
  register_max: string | null;
  max_power_kw: number | null;
}
