import { Module } from '@nestjs/common';
import { TelemetryBodyPipe } from './telemetry-body.pipe.ts';
import { TelemetryController } from './telemetry.controller.ts';
import { TelemetryService } from './telemetry.service.ts';
import { TelemetryWriter } from './telemetry.writer.ts';

@Module({
  controllers: [TelemetryController],
  providers: [TelemetryService, TelemetryWriter, TelemetryBodyPipe],
  exports: [TelemetryService],
})
export class TelemetryModule {}
