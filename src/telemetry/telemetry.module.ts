import { Module } from '@nestjs/common';
import { DevicesModule } from '../devices/devices.module.ts';
import { RegisterDeriver } from './register-deriver.ts';
import { TelemetryBodyPipe } from './telemetry-body.pipe.ts';
import { TelemetryController } from './telemetry.controller.ts';
import { TelemetryService } from './telemetry.service.ts';
import { TelemetryWriter } from './telemetry.writer.ts';

@Module({
  imports: [DevicesModule],
  controllers: [TelemetryController],
  providers: [TelemetryService, TelemetryWriter, TelemetryBodyPipe, RegisterDeriver],
  exports: [TelemetryService],
})
export class TelemetryModule {}
