import { Controller, Get, Param, Query } from '@nestjs/common';
import { RequireRole } from '../auth/require-role.decorator.ts';
import { VehicleIdParams } from '../links/dto/link.dto.ts';
import { AnalyticsService } from './analytics.service.ts';
import { FleetQuery, type FleetReport } from './dto/fleet.dto.ts';
import { PerformanceQuery } from './dto/performance-query.dto.ts';
import type { VehiclePerformance } from './dto/performance.dto.ts';

@Controller('v1/analytics')
@RequireRole('operator')
export class AnalyticsController {
  constructor(private readonly analytics: AnalyticsService) {}

  @Get('performance/:vehicleId')
  performance(@Param() params: VehicleIdParams, @Query() query: PerformanceQuery): Promise<VehiclePerformance> {
    return this.analytics.vehiclePerformance(params.vehicleId, query);
  }

  @Get('fleet')
  fleet(@Query() query: FleetQuery): Promise<FleetReport> {
    return this.analytics.fleet(query);
  }
}
