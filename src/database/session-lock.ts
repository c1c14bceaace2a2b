import type { DataSource, QueryRunner } from 'typeorm';

/** A query's rows, typed by the caller. */
export function selectRows<T>(runner: QueryRunner, sql: string, params: unknown[] = []): Promise<T[]> {
  return runner.query(sql, params) as Promise<T[]>;
}

/**
 * Runs `work` on one connection of the pool while it holds the session advisory lock `key`, so that
 * one replica at a time does it; undefined (and `work` not run) when another session holds the lock.
 * The lock is released and the connection returned to the pool however `work` ends.
 */
export async function withSessionLock<T>(
  dataSource: DataSource,
  key: number,
  work: (runner: QueryRunner) => Promise<T>,
): Promise<T | undefined> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    const [lock] = await selectRows<{ locked: boolean }>(runner, 'SELECT pg_try_advisory_lock($1) AS locked', [key]);
    if (!lock?.locked) return undefined;
    try {
      return await work(runner);
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [key]).catch(() => undefined);
    }
  } finally {
    await runner.release();
  }
}
