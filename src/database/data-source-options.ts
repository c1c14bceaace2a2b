import type { DataSourceOptions } from 'typeorm';
import { FleetLink } from '../links/fleet-link.entity.ts';
import { MIGRATIONS } from './migrations.ts';

export interface PoolSettings {
  poolSize: number;
  statementTimeoutMs: number;
  connectTimeoutMs: number;
  /** node-postgres client-side `query_timeout`: bounds a statement the server cannot cancel (network partition). */
  queryTimeoutMs?: number;
}

/** One place that says how the service talks to PostgreSQL: the app, the migration CLI and the tests use it. */
export function dataSourceOptions(url: string, pool: PoolSettings): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: [FleetLink],
    migrations: MIGRATIONS,
    migrationsTableName: 'typeorm_migrations',
    synchronize: false,
    migrationsRun: false,
    logging: ['error'],
    poolSize: pool.poolSize,
    connectTimeoutMS: pool.connectTimeoutMs,
    extra: {
      statement_timeout: pool.statementTimeoutMs,
      // Short indexed statements only: JIT compilation costs more than it saves (≈70 ms on the fleet report).
      options: '-c jit=off',
      application_name: 'energy-ingestion',
      ...(pool.queryTimeoutMs === undefined ? {} : { query_timeout: pool.queryTimeoutMs }),
    },
  };
}
