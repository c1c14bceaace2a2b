import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { HealthReport, LivenessReport } from './health-report.dto.ts';
import { DataSource } from 'typeorm';
import { DatabaseConnector } from '../database/database-connector.ts';

const PING_TIMEOUT_MS = 2000;

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly connector: DatabaseConnector,
  ) {}

  /** Readiness: 200 when the database is connected, migrated and answers; 503 otherwise. */
  @Get()
  @ApiOperation({ summary: 'Readiness: the database is connected, migrated and answers' })
  @ApiOkResponse({ type: HealthReport })
  @ApiResponse({ status: 503, description: 'Database down', type: HealthReport })
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthReport> {
    const up = this.connector.isReady() && (await this.pingDatabase());
    void reply.status(up ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return { status: up ? 'ok' : 'unavailable', checks: { database: up ? 'up' : 'down' } };
  }

  /** Liveness: the process serves requests, whatever the database does. */
  @Get('live')
  @ApiOperation({ summary: 'Liveness: the process serves requests' })
  @ApiOkResponse({ type: LivenessReport })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  private async pingDatabase(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), PING_TIMEOUT_MS);
    });
    try {
      const ping = this.dataSource.query('SELECT 1').then(
        () => true,
        () => false,
      );
      return await Promise.race([ping, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
