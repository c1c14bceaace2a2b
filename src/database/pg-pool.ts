import type { Pool } from 'pg';
import { CannotExecuteNotConnectedError, type DataSource } from 'typeorm';

/**
 * node-postgres' pool behind a TypeORM data source. TypeORM keeps it on its driver (`master`)
 * without a public accessor: that detail stays here. undefined while the database is not connected.
 */
export function pgPool(dataSource: DataSource): Pool | undefined {
  if (!dataSource.isInitialized) return undefined;
  return (dataSource.driver as unknown as { master?: Pool }).master;
}

/** A statement PostgreSQL prepares once per connection, under a name that names its text. */
export interface PreparedStatement {
  name: string;
  text: string;
}

/**
 * Runs a prepared statement with its generic plan: parsed and planned once per pooled connection,
 * then only executed (runtime partition pruning still applies). TypeORM's `query` has no named
 * statements; node-postgres does. `plan_cache_mode` is forced for this statement's transaction only:
 * left to itself PostgreSQL keeps re-planning whenever the generic plan's estimate is the higher
 * (it is on a week of partitions), and forcing it for the whole connection would also force it on
 * the unnamed statements that share it.
 *
 * Only for statements whose generic plan was measured to be as fast as a custom one: a plan made
 * without the values can be far worse (the fleet report's ran for minutes instead of 0.6 s).
 */
export async function genericPlanQuery<T>(
  dataSource: DataSource,
  statement: PreparedStatement,
  values: unknown[],
): Promise<T[]> {
  const pool = pgPool(dataSource);
  if (!pool) throw new CannotExecuteNotConnectedError();
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN READ ONLY; SET LOCAL plan_cache_mode = force_generic_plan');
    const result = await client.query({ name: statement.name, text: statement.text, values });
    await client.query('COMMIT');
    return result.rows as T[];
  } catch (error) {
    await client.query('ROLLBACK').catch((rollbackError: unknown) => {
      broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
    });
    throw error;
  } finally {
    client.release(broken); // a connection that cannot roll back is discarded, not reused
  }
}
