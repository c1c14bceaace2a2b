import { Controller, Get, Param } from '@nestjs/common';
import { VehicleIdParams } from '../links/dto/link.dto.js';
import { AnalyticsService } from './analytics.service.js';
import type { VehiclePerformance } from './dto/performance.dto.js';

@Controller('v1/analytics')
export class AnalyticsController {
  constructor(private readonly analytics: AnalyticsService) {}

  @Get('performance/:vehicleId')
  performance(@Param() params: VehicleIdParams): Promise<VehiclePerformance> {
    return this.analytics.vehiclePerformance(params.vehicleId);
  }
}
