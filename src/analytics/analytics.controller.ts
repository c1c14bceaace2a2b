import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '../auth/require-role.decorator.ts';
import { ApiErrors } from '../openapi/api-errors.decorator.ts';
import { FLEET_REPORT, VEHICLE_PERFORMANCE } from '../openapi/openapi.schemas.ts';
import { VehicleIdParams } from '../links/dto/link.dto.ts';
import { AnalyticsService } from './analytics.service.ts';
import { FleetQuery, type FleetReport } from './dto/fleet.dto.ts';
import { PerformanceQuery } from './dto/performance-query.dto.ts';
import type { VehiclePerformance } from './dto/performance.dto.ts';

@ApiTags('analytics')
@Controller('v1/analytics')
@RequireRole('operator')
export class AnalyticsController {
  constructor(private readonly analytics: AnalyticsService) {}

  @Get('performance/:vehicleId')
  @ApiOperation({
    summary: "A vehicle's AC drawn, DC delivered and efficiency over a window (default: the last 24 h)",
    description: 'One SQL statement over [from, to); optional buckets of 15m, 1h or 1d.',
  })
  @ApiParam({ name: 'vehicleId' })
  @ApiQuery({
    name: 'from',
    required: false,
    description: 'Inclusive; default to − 24 h',
    schema: { type: 'string', format: 'date-time' },
  })
  @ApiQuery({
    name: 'to',
    required: false,
    description: 'Exclusive; default now',
    schema: { type: 'string', format: 'date-time' },
  })
  @ApiQuery({ name: 'bucket', required: false, enum: ['15m', '1h', '1d'] })
  @ApiOkResponse({ schema: VEHICLE_PERFORMANCE })
  @ApiErrors(400, 404)
  performance(@Param() params: VehicleIdParams, @Query() query: PerformanceQuery): Promise<VehiclePerformance> {
    return this.analytics.vehiclePerformance(params.vehicleId, query);
  }

  @Get('fleet')
  @ApiOperation({
    summary:
      'Every linked vehicle over a window of whole UTC hours, worst efficiency first, flagged below the threshold',
    description: 'Default window: the 24 hours ending at the end of the current hour. Reads the hourly roll-ups.',
  })
  @ApiQuery({
    name: 'from',
    required: false,
    description: 'Inclusive, on a UTC hour',
    schema: { type: 'string', format: 'date-time' },
  })
  @ApiQuery({
    name: 'to',
    required: false,
    description: 'Exclusive, on a UTC hour',
    schema: { type: 'string', format: 'date-time' },
  })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } })
  @ApiQuery({ name: 'offset', required: false, schema: { type: 'integer', minimum: 0, default: 0 } })
  @ApiOkResponse({ schema: FLEET_REPORT })
  @ApiErrors(400)
  fleet(@Query() query: FleetQuery): Promise<FleetReport> {
    return this.analytics.fleet(query);
  }
}
