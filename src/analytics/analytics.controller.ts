import { Controller, Get, Param } from '@nestjs/common';
import { RequireRole } from '../auth/require-role.decorator.ts';
import { VehicleIdParams } from '../links/dto/link.dto.ts';
import { AnalyticsService } from './analytics.service.ts';
import type { VehiclePerformance } from './dto/performance.dto.ts';

@Controller('v1/analytics')
@RequireRole('operator')
export class AnalyticsController {
  constructor(private readonly analytics: AnalyticsService) {}

  @Get('performance/:vehicleId')
  performance(@Param() params: VehicleIdParams): Promise<VehiclePerformance> {
    return this.analytics.vehiclePerformance(params.vehicleId);
  }
}
