import { Global, Module } from '@nestjs/common';
import { DatabaseModule } from '../database/database.module.ts';
import { Metrics } from './metrics.ts';
import { MetricsController } from './metrics.controller.ts';

@Global()
@Module({
  imports: [DatabaseModule],
  controllers: [MetricsController],
  providers: [Metrics],
  exports: [Metrics],
})
export class ObservabilityModule {}
