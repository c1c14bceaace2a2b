import { Module } from '@nestjs/common';
import { TelemetryBodyPipe } from './telemetry-body.pipe.js';
import { TelemetryController } from './telemetry.controller.js';
import { TelemetryService } from './telemetry.service.js';
import { TelemetryWriter } from './telemetry.writer.js';

@Module({
  controllers: [TelemetryController],
  providers: [TelemetryService, TelemetryWriter, TelemetryBodyPipe],
  exports: [TelemetryService],
})
export class TelemetryModule {}
