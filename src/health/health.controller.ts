import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { HEALTH_REPORT } from '../openapi/openapi.schemas.ts';
import { DatabaseHealth } from '../database/database-health.ts';

export interface HealthReport {
  status: 'ok' | 'unavailable';
  checks: { database: 'up' | 'down' };
}

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(private readonly database: DatabaseHealth) {}

  /** Readiness: 200 when the database is connected, fully migrated and answers; 503 otherwise (also while migrations are pending). */
  @Get()
  @ApiOperation({ summary: 'Readiness: the database is connected, migrated and answers' })
  @ApiOkResponse({ schema: HEALTH_REPORT })
  @ApiResponse({ status: 503, description: 'Database down', schema: HEALTH_REPORT })
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthReport> {
    const up = await this.database.isUp();
    void reply.status(up ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return { status: up ? 'ok' : 'unavailable', checks: { database: up ? 'up' : 'down' } };
  }

  /** Liveness: the process serves requests, whatever the database does. */
  @Get('live')
  @ApiOperation({ summary: 'Liveness: the process serves requests' })
  @ApiOkResponse({ schema: { type: 'object', properties: { status: { type: 'string', enum: ['ok'] } } } })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }
}
