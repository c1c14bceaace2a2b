import { Global, Module } from '@nestjs/common';
import { Metrics } from './metrics.ts';
import { MetricsController } from './metrics.controller.ts';

@Global()
@Module({
  controllers: [MetricsController],
  providers: [Metrics],
  exports: [Metrics],
})
export class ObservabilityModule {}
