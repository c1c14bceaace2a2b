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
