import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '../auth/require-role.decorator.ts';
import { CsvExport } from '../common/csv/csv-export.decorator.ts';
import { ApiErrors } from '../openapi/api-errors.decorator.ts';
import { MeterIdParams, VehicleIdParams } from '../common/validation/device-id.params.ts';
import { FLEET_CSV, METER_CSV, VEHICLE_CSV } from './analytics.csv.ts';
import { AnalyticsService } from './analytics.service.ts';
import { FleetQuery, FleetReport } from './dto/fleet.dto.ts';
import { PerformanceQuery } from './dto/performance-query.dto.ts';
import { MeterPerformance } from './dto/meter-performance.dto.ts';
import { VehiclePerformance } from './dto/performance.dto.ts';

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
  @CsvExport(VEHICLE_CSV, VehiclePerformance)
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
  @CsvExport(METER_CSV, MeterPerformance)
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
  @CsvExport(FLEET_CSV, FleetReport)
  @ApiErrors(400)
  fleet(@Query() query: FleetQuery): Promise<FleetReport> {
    return this.analytics.fleet(query);
  }
}
