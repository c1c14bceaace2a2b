import type { QueryRunner } from 'typeorm';
import { isLockTimeout } from './migration-runner.ts';
import { DAY_PARTITIONS, DAYS_IN_DEFAULT } from './partitions.sql.ts';

const LOCK_RETRIES = 5;
const FIRST_BACKOFF_MS = 500;

/** One UTC day, `YYYY-MM-DD`, and its half-open bounds as ISO instants: the parameters of one batch. */
export interface DayBatch {
  day: string;
  from: string;
  to: string;
}

/**
 * For data migrations over history (declare the migration with `transaction = false`): runs `sql`
 * once per batch, each batch in its own short transaction, so that a backfill over weeks of history
 * never holds its locks (or one huge snapshot) for long and live traffic goes on between batches. A
 * batch that waits longer than the migration's lock_timeout is rolled back and retried with backoff.
 * Without the migration's transaction a crash leaves the batches before it committed: write `sql` so
 * that a re-run is harmless (ON CONFLICT DO NOTHING, WHERE NOT EXISTS, or UPDATE … WHERE not yet done).
 * Returns the rows the batches affected.
 */
export async function backfillInBatches<P>(
  runner: QueryRunner,
  sql: string,
  batches: P[],
  parameters: (batch: P) => unknown[],
): Promise<number> {
  let affected = 0;
  for (const batch of batches) affected += await runBatch(runner, sql, parameters(batch));
  return affected;
}

/** Every UTC day that holds history in `table` (its day partitions, and days with rows in its default partition). */
export async function historyDays(runner: QueryRunner, table: string): Promise<DayBatch[]> {
  const partitions = (await runner.query(DAY_PARTITIONS, [table])) as { day: string }[];
  const stranded = (await runner.query(DAYS_IN_DEFAULT(table))) as { day: string }[];
  const days = [...new Set([...partitions, ...stranded].map((row) => row.day))].sort();
  return days.map((day) => {
    const from = new Date(`${day}T00:00:00Z`);
    return { day, from: from.toISOString(), to: new Date(from.getTime() + 86_400_000).toISOString() };
  });
}

async function runBatch(runner: QueryRunner, sql: string, params: unknown[]): Promise<number> {
  for (let attempt = 0; ; attempt += 1) {
    await runner.startTransaction();
    try {
      const result = (await runner.query(sql, params, true)) as { affected?: number };
      await runner.commitTransaction();
      return result.affected ?? 0;
    } catch (error) {
      await runner.rollbackTransaction();
      if (!isLockTimeout(error) || attempt >= LOCK_RETRIES) throw error;
      await new Promise((resolve) => setTimeout(resolve, FIRST_BACKOFF_MS * 2 ** attempt));
    }
  }
}
