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
 * Runs a prepared statement: parsed and planned once per pooled connection, then executed with new
 * values (PostgreSQL switches to a generic plan after five custom ones when it costs no more).
 * TypeORM's `query` has no named statements; node-postgres does.
 *
 * Only for statements whose generic plan has been measured to be as good as a custom one: a plan
 * chosen without the values can be far worse (the fleet report's took minutes instead of 0.6 s).
 */
export async function preparedQuery<T>(
  dataSource: DataSource,
  statement: PreparedStatement,
  values: unknown[],
): Promise<T[]> {
  const pool = pgPool(dataSource);
  if (!pool) throw new CannotExecuteNotConnectedError();
  const result = await pool.query({ name: statement.name, text: statement.text, values });
  return result.rows as T[];
}
