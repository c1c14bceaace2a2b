import { DataSource, type MigrationInterface } from 'typeorm';
import { dataSourceOptions } from './data-source-options.ts';
import { MIGRATIONS } from './migrations.ts';

/** Any constant works; it only has to be the same for every replica of this service. */
export const MIGRATION_LOCK_KEY = 7_412_003_917;
/** PostgreSQL's SQLSTATE for "lock_timeout expired" (lock_not_available). */
const LOCK_NOT_AVAILABLE = '55P03';
const FIRST_BACKOFF_MS = 1_000;
const MAX_BACKOFF_MS = 30_000;

export interface MigrationSettings {
  /** How long each statement of a migration may wait for a lock before the migration is rolled back. */
  lockTimeoutMs: number;
  /** How many times a migration rolled back on a lock timeout is tried again (with backoff) before giving up. */
  lockRetries: number;
  connectTimeoutMs: number;
  /** Told about every lock timeout that is about to be retried (logging, tests). */
  onLockTimeout?: (attempt: number, error: Error) => void;
}

type MigrationClass = new () => MigrationInterface;

/**
 * A DataSource for schema changes only, apart from the application pool: two connections (one holds
 * the advisory lock, the other runs the migrations), no statement_timeout (an index build or a
 * backfill may rightly take minutes), and a lock_timeout so that a migration waiting for a table
 * lock behind a long read fails fast instead of making every later request queue behind it.
 */
export function migrationDataSource(
  url: string,
  settings: Pick<MigrationSettings, 'lockTimeoutMs' | 'connectTimeoutMs'>,
  migrations: MigrationClass[] = MIGRATIONS,
): DataSource {
  const options = dataSourceOptions(url, {
    poolSize: 2,
    statementTimeoutMs: 0,
    connectTimeoutMs: settings.connectTimeoutMs,
    lockTimeoutMs: settings.lockTimeoutMs,
    applicationName: 'energy-ingestion-migrations',
  });
  return new DataSource({ ...options, migrations });
}

/** Connects a migration DataSource, applies every pending migration under the lock, disconnects. */
export async function migrate(url: string, settings: MigrationSettings): Promise<string[]> {
  const dataSource = migrationDataSource(url, settings);
  await dataSource.initialize();
  try {
    return await runMigrationsLocked(dataSource, settings);
  } finally {
    await dataSource.destroy();
  }
}

/**
 * Runs `work` while holding a session advisory lock on one dedicated connection (through the pool,
 * lock and unlock could land on different connections), so that replicas starting together, or a
 * revert from the CLI, never change the schema at the same time. Waiting for that lock is not
 * bounded by lock_timeout: the other holder is a migration that will finish.
 */
export async function withMigrationLock<T>(dataSource: DataSource, work: () => Promise<T>): Promise<T> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SET lock_timeout = 0');
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    return await work();
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await runner.release();
  }
}

/**
 * Applies pending migrations, each in its own transaction, under the migration lock. A migration
 * rolled back because it waited longer than lock_timeout is tried again after a backoff (the ones
 * before it stay applied), up to `lockRetries` times; then the lock timeout is thrown.
 */
export async function runMigrationsLocked(
  dataSource: DataSource,
  settings: Pick<MigrationSettings, 'lockRetries' | 'onLockTimeout'> = { lockRetries: 0 },
): Promise<string[]> {
  const names = dataSource.migrations.map((migration) => migration.name ?? migration.constructor.name);
  const query = <T>(sql: string): Promise<T> => dataSource.query<T>(sql);
  return withMigrationLock(dataSource, async () => {
    const before = await pendingMigrations(query, names);
    for (let attempt = 1; ; attempt += 1) {
      try {
        await dataSource.runMigrations({ transaction: 'each' });
        break;
      } catch (error) {
        if (!isLockTimeout(error) || attempt > settings.lockRetries) throw error;
        settings.onLockTimeout?.(attempt, error as Error);
        await sleep(Math.min(FIRST_BACKOFF_MS * 2 ** (attempt - 1), MAX_BACKOFF_MS));
      }
    }
    const after = new Set(await pendingMigrations(query, names));
    return before.filter((name) => !after.has(name));
  });
}

/** The current build's migrations (by name) that the database has not applied, in order. */
export async function pendingMigrations(
  query: <T>(sql: string) => Promise<T>,
  names: string[] = MIGRATION_NAMES,
): Promise<string[]> {
  const [table] = await query<{ present: boolean }[]>(
    `SELECT to_regclass('typeorm_migrations') IS NOT NULL AS present`,
  );
  const applied = table?.present
    ? new Set((await query<{ name: string }[]>('SELECT name FROM typeorm_migrations')).map((row) => row.name))
    : new Set<string>();
  return names.filter((name) => !applied.has(name));
}

/** PostgreSQL refused a lock because lock_timeout expired. */
export function isLockTimeout(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, driverError } = error as { code?: unknown; driverError?: { code?: unknown } };
  return code === LOCK_NOT_AVAILABLE || driverError?.code === LOCK_NOT_AVAILABLE;
}

const MIGRATION_NAMES = MIGRATIONS.map((migration) => new migration().name ?? migration.name);

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
