import type { DataSource } from 'typeorm';

/** Any constant works; it only has to be the same for every replica of this service. */
const MIGRATION_LOCK_KEY = 7_412_003_917;

/**
 * Runs pending migrations while holding a session advisory lock on one dedicated connection,
 * so that replicas starting together migrate once, one after the other.
 */
export async function runMigrationsLocked(dataSource: DataSource): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((migration) => migration.name);
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await runner.release();
  }
}
