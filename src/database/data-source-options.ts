import type { DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from './migrations.ts';

export interface PoolSettings {
  poolSize: number;
  statementTimeoutMs: number;
  connectTimeoutMs: number;
  /** PostgreSQL `lock_timeout`; unset: the server's (none). Migrations set it so they never queue traffic behind them. */
  lockTimeoutMs?: number;
  /** Shown in pg_stat_activity; default `energy-ingestion`. */
  applicationName?: string;
  /** node-postgres client-side `query_timeout`: bounds a statement the server cannot cancel (network partition). */
  queryTimeoutMs?: number;
}

/** One place that says how the service talks to PostgreSQL: the app, the migration CLI and the tests use it. */
export function dataSourceOptions(url: string, pool: PoolSettings): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: [],
    migrations: MIGRATIONS,
    migrationsTableName: 'typeorm_migrations',
    synchronize: false,
    migrationsRun: false,
    logging: ['error'],
    poolSize: pool.poolSize,
    connectTimeoutMS: pool.connectTimeoutMs,
    extra: {
      statement_timeout: pool.statementTimeoutMs,
      ...(pool.lockTimeoutMs === undefined ? {} : { lock_timeout: pool.lockTimeoutMs }),
      // Short indexed statements only: JIT compilation costs more than it saves (≈70 ms on the fleet report).
      options: '-c jit=off',
      application_name: pool.applicationName ?? 'energy-ingestion',
      ...(pool.queryTimeoutMs === undefined ? {} : { query_timeout: pool.queryTimeoutMs }),
    },
  };
}
