import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { pgPool } from './pg-pool.ts';

export interface PoolCounts {
  total: number;
  idle: number;
  waiting: number;
}

/** The connection pool's occupancy, for metrics. */
@Injectable()
export class DatabasePool {
  constructor(private readonly dataSource: DataSource) {}

  /** undefined while the database is not connected. */
  counts(): PoolCounts | undefined {
    const pool = pgPool(this.dataSource);
    if (!pool) return undefined;
    return { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount };
  }
}
