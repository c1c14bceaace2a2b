import type { TestDb } from '../setup/test-db.ts';

/**
 * History rows written straight into the partitioned tables, for analytics, EXPLAIN and partition
 * tests that need readings the API would refuse at the pinned clock (far past or future days) or
 * many rows at once. The API path is covered by the telemetry tests; these only set the stage.
 * Like the telemetry writer, they keep the hourly roll-ups in step (fed only by the rows stored),
 * since analytics reads whole hours from the roll-ups.
 */

export interface MeterHistoryRow {
  meterId: string;
  /** An instant; strings are passed to PostgreSQL as they are (keep a zone on them). */
  ts: string | Date;
  /** Energy as a decimal string or number; stored as NUMERIC, so '0.1' stays exactly 0.1. */
  kwhConsumedAc: number | string;
  voltage: number;
}

export interface VehicleHistoryRow {
  vehicleId: string;
  ts: string | Date;
  soc: number;
  kwhDeliveredDc: number | string;
  batteryTemp: number;
}

export function aMeterRow(overrides: Partial<MeterHistoryRow> = {}): MeterHistoryRow {
  return { meterId: 'meter-1', ts: '2026-03-15T10:00:00Z', kwhConsumedAc: '1.5', voltage: 230, ...overrides };
}

export function aVehicleRow(overrides: Partial<VehicleHistoryRow> = {}): VehicleHistoryRow {
  return {
    vehicleId: 'vehicle-1',
    ts: '2026-03-15T10:00:00Z',
    soc: 50,
    kwhDeliveredDc: '1.2',
    batteryTemp: 25,
    ...overrides,
  };
}

const instant = (ts: string | Date): string => (ts instanceof Date ? ts.toISOString() : ts);

/** Inserts meter history rows (through the parent table, so PostgreSQL routes each to its partition); `rollUp: false` leaves the roll-ups alone. */
export async function insertMeterHistory(
  db: TestDb,
  rows: MeterHistoryRow[],
  options: { rollUp: boolean } = { rollUp: true },
): Promise<void> {
  if (rows.length === 0) return;
  await db.query(
    `WITH stored AS (
       INSERT INTO meter_telemetry (meter_id, ts, kwh_consumed_ac, voltage)
       SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::numeric[], $4::float8[])
       ON CONFLICT DO NOTHING
       RETURNING meter_id, ts, kwh_consumed_ac
     )
     INSERT INTO meter_hourly AS hourly (meter_id, hour, kwh, readings)
     SELECT meter_id, date_trunc('hour', ts, 'UTC'), sum(kwh_consumed_ac), count(*)::int FROM stored
     WHERE $5 GROUP BY 1, 2
     ON CONFLICT (meter_id, hour) DO UPDATE
       SET kwh = hourly.kwh + EXCLUDED.kwh, readings = hourly.readings + EXCLUDED.readings`,
    [
      rows.map((row) => row.meterId),
      rows.map((row) => instant(row.ts)),
      rows.map((row) => String(row.kwhConsumedAc)),
      rows.map((row) => row.voltage),
      options.rollUp,
    ],
  );
}

/** Inserts vehicle history rows (through the parent table, so PostgreSQL routes each to its partition); `rollUp: false` leaves the roll-ups alone. */
export async function insertVehicleHistory(
  db: TestDb,
  rows: VehicleHistoryRow[],
  options: { rollUp: boolean } = { rollUp: true },
): Promise<void> {
  if (rows.length === 0) return;
  await db.query(
    `WITH stored AS (
       INSERT INTO vehicle_telemetry (vehicle_id, ts, soc, kwh_delivered_dc, battery_temp)
       SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::float8[], $4::numeric[], $5::float8[])
       ON CONFLICT DO NOTHING
       RETURNING vehicle_id, ts, kwh_delivered_dc, battery_temp
     )
     INSERT INTO vehicle_hourly AS hourly (vehicle_id, hour, kwh, battery_temp_sum, readings)
     SELECT vehicle_id, date_trunc('hour', ts, 'UTC'), sum(kwh_delivered_dc), sum(battery_temp), count(*)::int
     FROM stored WHERE $6 GROUP BY 1, 2
     ON CONFLICT (vehicle_id, hour) DO UPDATE
       SET kwh = hourly.kwh + EXCLUDED.kwh, battery_temp_sum = hourly.battery_temp_sum + EXCLUDED.battery_temp_sum,
           readings = hourly.readings + EXCLUDED.readings`,
    [
      rows.map((row) => row.vehicleId),
      rows.map((row) => instant(row.ts)),
      rows.map((row) => row.soc),
      rows.map((row) => String(row.kwhDeliveredDc)),
      rows.map((row) => row.batteryTemp),
      options.rollUp,
    ],
  );
}

/** Which table (partition) of a partitioned table holds each row matching `where`: `{ partition: count }`. */
export async function rowsByPartition(
  db: TestDb,
  table: 'meter_telemetry' | 'vehicle_telemetry',
  where = 'true',
  params: unknown[] = [],
): Promise<Record<string, number>> {
  const rows = await db.query<{ partition: string; n: number }>(
    `SELECT tableoid::regclass::text AS partition, count(*)::int AS n FROM ${table} WHERE ${where} GROUP BY 1 ORDER BY 1`,
    params,
  );
  return Object.fromEntries(rows.map((row) => [row.partition, row.n]));
}

/** The day partitions of a table (`<table>_pYYYYMMDD`), sorted, without the default one. */
export async function dayPartitions(db: TestDb, table: 'meter_telemetry' | 'vehicle_telemetry'): Promise<string[]> {
  const rows = await db.query<{ name: string }>(
    `SELECT child.relname AS name
     FROM pg_inherits
     JOIN pg_class parent ON parent.oid = pg_inherits.inhparent
     JOIN pg_class child ON child.oid = pg_inherits.inhrelid
     WHERE parent.relname = $1 AND child.relname <> $1 || '_default'
     ORDER BY 1`,
    [table],
  );
  return rows.map((row) => row.name);
}

/** `<table>_pYYYYMMDD` for the UTC day holding `instant`. */
export function partitionName(table: 'meter_telemetry' | 'vehicle_telemetry', instant: Date): string {
  return `${table}_p${instant.toISOString().slice(0, 10).replaceAll('-', '')}`;
}

/** The instant `days` whole days from `instant` (negative: earlier). */
export function daysFrom(instant: Date, days: number): Date {
  return new Date(instant.getTime() + days * 24 * 60 * 60 * 1000);
}
