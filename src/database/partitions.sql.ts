/** Tables partitioned by day on ts, each with a `<name>_default` partition. */
export const PARTITIONED_TABLES = ['meter_telemetry', 'vehicle_telemetry'] as const;

/** Creates the day's partition if missing (moving that day's rows out of the default partition). */
export const ENSURE_PARTITION = `SELECT ensure_telemetry_partition($1::regclass, $2::date) AS created`;

/** UTC days that have rows sitting in a default partition (backfills older than the partitions made ahead). */
export const DAYS_IN_DEFAULT = (table: string): string =>
  `SELECT DISTINCT (ts AT TIME ZONE 'UTC')::date::text AS day FROM ${table}_default ORDER BY 1`;

/** The daily partitions of a table, with the day each holds. */
export const DAY_PARTITIONS = `
SELECT child.relname AS name, to_date(right(child.relname, 8), 'YYYYMMDD')::text AS day
FROM pg_inherits
JOIN pg_class parent ON parent.oid = pg_inherits.inhparent
JOIN pg_class child ON child.oid = pg_inherits.inhrelid
WHERE parent.relname = $1 AND child.relname ~ '_p[0-9]{8}$'
ORDER BY 2
`;

/**
 * Hourly roll-ups of the history tables (see the hourly-rollups migration): when retention drops
 * the day partitions before a cutoff, the roll-ups of those hours go too, so that fleet reports
 * never show energy whose readings are gone. A DELETE is fine here: the roll-ups are small.
 */
export const ROLLUP_TABLES = ['meter_hourly', 'vehicle_hourly'] as const;

/** Deletes a roll-up table's hours before the UTC midnight starting day $1 (the retention cutoff); returns how many. */
export const DELETE_ROLLUPS_BEFORE = (table: (typeof ROLLUP_TABLES)[number]): string => `
WITH gone AS (DELETE FROM ${table} WHERE hour < ($1::date::timestamp AT TIME ZONE 'UTC') RETURNING 1)
SELECT count(*)::int AS deleted FROM gone`;
