import type { DataSource } from 'typeorm';

/** Any constant works; it only has to be the same for every replica of this service. */
const MIGRATION_LOCK_KEY = 7_412_003_917;

/**
 * Runs `work` while holding a session advisory lock on one dedicated connection (through the pool,
 * lock and unlock could land on different connections), so that replicas starting together, or a
 * revert from the CLI, never change the schema at the same time.
 */
export async function withMigrationLock<T>(dataSource: DataSource, work: () => Promise<T>): Promise<T> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    return await work();
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await runner.release();
  }
}

/** Applies pending migrations, each in its own transaction, under the migration lock. */
export async function runMigrationsLocked(dataSource: DataSource): Promise<string[]> {
  return withMigrationLock(dataSource, async () => {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((migration) => migration.name);
  });
}
