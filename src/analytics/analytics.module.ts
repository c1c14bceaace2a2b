import { Module } from '@nestjs/common';
import { AnalyticsController } from './analytics.controller.ts';
import { AnalyticsService } from './analytics.service.ts';
import { AttributionSnapshots } from './attribution-snapshots.ts';

@Module({
  controllers: [AnalyticsController],
  providers: [AnalyticsService, AttributionSnapshots],
  exports: [AttributionSnapshots],
})
export class AnalyticsModule {}
