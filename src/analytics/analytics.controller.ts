import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '../auth/require-role.decorator.ts';
import { ApiErrors } from '../openapi/api-errors.decorator.ts';
import { FLEET_REPORT, METER_PERFORMANCE, VEHICLE_PERFORMANCE } from '../openapi/openapi.schemas.ts';
import { MeterIdParams, VehicleIdParams } from '../common/validation/device-id.params.ts';
import { AnalyticsService } from './analytics.service.ts';
import { FleetQuery, type FleetReport } from './dto/fleet.dto.ts';
import { PerformanceQuery } from './dto/performance-query.dto.ts';
import type { MeterPerformance } from './dto/meter-performance.dto.ts';
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
  @ApiQuery({
    name: 'tz',
    required: false,
    description:
      'IANA zone: `1d` buckets follow its calendar days (23 or 25 h on DST changes); default 24 h from `from`',
    schema: { type: 'string', example: 'Europe/Berlin' },
  })
  @ApiOkResponse({ schema: VEHICLE_PERFORMANCE })
  @ApiErrors(400, 404)
  performance(@Param() params: VehicleIdParams, @Query() query: PerformanceQuery): Promise<VehiclePerformance> {
    return this.analytics.vehiclePerformance(params.vehicleId, query);
  }

  @Get('meters/:meterId')
  @ApiOperation({
    summary: "A meter's (depot's) AC, its vehicles' DC and attributed shares, idle and unattributed AC over a window",
    description:
      "Same window and buckets as a vehicle's performance. 404 for a meter never seen (no reading, no link).",
  })
  @ApiParam({ name: 'meterId' })
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
  @ApiQuery({
    name: 'tz',
    required: false,
    description:
      'IANA zone: `1d` buckets follow its calendar days (23 or 25 h on DST changes); default 24 h from `from`',
    schema: { type: 'string', example: 'Europe/Berlin' },
  })
  @ApiOkResponse({ schema: METER_PERFORMANCE })
  @ApiErrors(400, 404)
  meter(@Param() params: MeterIdParams, @Query() query: PerformanceQuery): Promise<MeterPerformance> {
    return this.analytics.meterPerformance(params.meterId, query);
  }

  @Get('fleet')
  @ApiOperation({
    summary:
      'Every vehicle linked in a window of whole UTC hours: judged ones worst efficiency first, then insufficient data',
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
  @ApiQuery({ name: 'status', required: false, enum: ['ok', 'below_threshold', 'insufficient_data'] })
  @ApiQuery({ name: 'meterId', required: false, description: 'Only vehicles linked to this meter in the window' })
  @ApiQuery({
    name: 'day',
    required: false,
    description: 'A local calendar day (YYYY-MM-DD) of `tz` as the window, instead of from/to',
    schema: { type: 'string', format: 'date' },
  })
  @ApiQuery({
    name: 'tz',
    required: false,
    description: 'The zone of `day` (default UTC); its offset must be whole hours that day (the roll-ups are hourly)',
    schema: { type: 'string', example: 'Europe/Berlin' },
  })
  @ApiOkResponse({ schema: FLEET_REPORT })
  @ApiErrors(400)
  fleet(@Query() query: FleetQuery): Promise<FleetReport> {
    return this.analytics.fleet(query);
  }
}
