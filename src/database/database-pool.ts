import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface PoolCounts {
  total: number;
  idle: number;
  waiting: number;
}

/**
 * The connection pool's occupancy, for metrics. TypeORM keeps node-postgres' pool on its driver
 * (`master`) without a public accessor: that detail stays in database/, behind this method.
 */
@Injectable()
export class DatabasePool {
  constructor(private readonly dataSource: DataSource) {}

  /** undefined while the database is not connected. */
  counts(): PoolCounts | undefined {
    if (!this.dataSource.isInitialized) return undefined;
    const pool = (this.dataSource.driver as unknown as { master?: PgPool }).master;
    if (!pool) return undefined;
    return { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount };
  }
}

interface PgPool {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}
