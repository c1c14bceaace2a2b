import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { RequireRole } from '../auth/require-role.decorator.ts';
import { Metrics } from './metrics.ts';

interface PgPoolCounts {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

/** Operator-only when API keys are on: the figures describe the fleet. Prometheus sends the key as a bearer token. */
@ApiTags('operations')
@Controller('metrics')
@RequireRole('operator')
export class MetricsController {
  constructor(
    private readonly metrics: Metrics,
    private readonly dataSource: DataSource,
  ) {}

  /** Prometheus text exposition. */
  @Get()
  @ApiOperation({ summary: 'Prometheus metrics (text exposition format)' })
  @ApiProduces('text/plain')
  @ApiOkResponse({ schema: { type: 'string' } })
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  async scrape(): Promise<string> {
    this.recordPool();
    return this.metrics.registry.metrics();
  }

  private recordPool(): void {
    if (!this.dataSource.isInitialized) return;
    const pool = (this.dataSource.driver as unknown as { master?: PgPoolCounts }).master;
    if (!pool) return;
    this.metrics.pool.set({ state: 'total' }, pool.totalCount);
    this.metrics.pool.set({ state: 'idle' }, pool.idleCount);
    this.metrics.pool.set({ state: 'waiting' }, pool.waitingCount);
  }
}
