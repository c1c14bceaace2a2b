import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '../auth/require-role.decorator.ts';
import { DatabasePool } from '../database/database-pool.ts';
import { Metrics } from './metrics.ts';

/** Operator-only when API keys are on: the figures describe the fleet. Prometheus sends the key as a bearer token. */
@ApiTags('operations')
@Controller('metrics')
@RequireRole('operator')
export class MetricsController {
  constructor(
    private readonly metrics: Metrics,
    private readonly pool: DatabasePool,
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
    const counts = this.pool.counts();
    if (!counts) return;
    this.metrics.pool.set({ state: 'total' }, counts.total);
    this.metrics.pool.set({ state: 'idle' }, counts.idle);
    this.metrics.pool.set({ state: 'waiting' }, counts.waiting);
  }
}
