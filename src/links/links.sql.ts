/**
 * Link periods change only inside one transaction per vehicle, under a transaction-scoped advisory
 * lock on the vehicle (the two-key form, in its own key space: 7413 = link periods), so concurrent
 * changes to one vehicle serialize and its periods never overlap. The first link of a vehicle has
 * no row to lock, hence an advisory lock rather than FOR UPDATE.
 */
export const LOCK_VEHICLE_LINKS = `SELECT pg_advisory_xact_lock(7413, hashtext($1::text))`;

/** A vehicle's periods, oldest first; -infinity comes back as the string '-infinity' (see PERIOD_COLUMNS). */
const PERIOD_COLUMNS = `vehicle_id, meter_id, recorded_at,
  CASE WHEN valid_from = '-infinity' THEN NULL ELSE valid_from END AS valid_from, valid_to`;

export const SELECT_VEHICLE_PERIODS = `
SELECT ${PERIOD_COLUMNS} FROM link_periods WHERE vehicle_id = $1 ORDER BY link_periods.valid_from`;

export const SELECT_VEHICLE_PERIODS_NEWEST_FIRST = `
SELECT ${PERIOD_COLUMNS} FROM link_periods WHERE vehicle_id = $1 ORDER BY link_periods.valid_from DESC`;

export const SELECT_CURRENT_PERIOD = `
SELECT ${PERIOD_COLUMNS} FROM link_periods WHERE vehicle_id = $1 AND valid_to IS NULL`;

/** Current links by vehicle id after $2 (keyset), $1 rows; $3 only those on this meter (or NULL). */
export const SELECT_CURRENT_PAGE = `
SELECT ${PERIOD_COLUMNS} FROM link_periods
WHERE valid_to IS NULL AND ($2::text IS NULL OR vehicle_id > $2::text) AND ($3::text IS NULL OR meter_id = $3::text)
ORDER BY vehicle_id
LIMIT $1`;

/** $1 vehicle, $2 start (NULL: all time before), $3 meter; the period is open. */
export const INSERT_PERIOD = `
INSERT INTO link_periods (vehicle_id, valid_from, valid_to, meter_id)
VALUES ($1, coalesce($2::timestamptz, '-infinity'), NULL, $3)
RETURNING ${PERIOD_COLUMNS}`;

/** Periods of $1 that start at or after $2: replaced by a backdated link. */
export const DELETE_PERIODS_FROM = `DELETE FROM link_periods WHERE vehicle_id = $1 AND valid_from >= $2`;

/** The period of $1 that starts at $2 (unlinking a period that began this very instant). */
export const DELETE_PERIOD = `DELETE FROM link_periods WHERE vehicle_id = $1 AND valid_from = $2`;

/** Ends the period of $1 that holds instant $2 at $2 (it then ends where the next begins). */
export const END_PERIOD_AT = `
UPDATE link_periods SET valid_to = $2
WHERE vehicle_id = $1 AND valid_from < $2 AND (valid_to IS NULL OR valid_to > $2)
RETURNING ${PERIOD_COLUMNS}`;

/** Re-opens the period of $1 starting at $2 (NULL: -infinity): a re-point to the same meter merges. */
export const REOPEN_PERIOD = `
UPDATE link_periods SET valid_to = NULL WHERE vehicle_id = $1 AND valid_from = coalesce($2::timestamptz, '-infinity')`;

export interface PeriodRow {
  vehicle_id: string;
  meter_id: string;
  recorded_at: Date;
  /** Null: the period covers all time before its end. */
  valid_from: Date | null;
  valid_to: Date | null;
}
