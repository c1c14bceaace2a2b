import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { HealthReport, LivenessReport } from './health-report.dto.ts';
import { DatabaseHealth } from '../database/database-health.ts';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(private readonly database: DatabaseHealth) {}

  /** Readiness: 200 when the database is connected, fully migrated and answers; 503 otherwise (also while migrations are pending). */
  @Get()
  @ApiOperation({ summary: 'Readiness: the database is connected, migrated and answers' })
  @ApiOkResponse({ type: HealthReport })
  @ApiResponse({ status: 503, description: 'Database down', type: HealthReport })
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthReport> {
    const up = await this.database.isUp();
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
}
