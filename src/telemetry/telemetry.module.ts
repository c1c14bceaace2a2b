import { Module } from '@nestjs/common';
import { DevicesModule } from '../devices/devices.module.ts';
import { ReadingsController } from './readings.controller.ts';
import { ReadingsService } from './readings.service.ts';
import { RegisterDeriver } from './register-deriver.ts';
import { TelemetryBodyPipe } from './telemetry-body.pipe.ts';
import { TelemetryController } from './telemetry.controller.ts';
import { TelemetryService } from './telemetry.service.ts';
import { TelemetryWriter } from './telemetry.writer.ts';

@Module({
  imports: [DevicesModule],
  controllers: [TelemetryController, ReadingsController],
  providers: [TelemetryService, TelemetryWriter, TelemetryBodyPipe, RegisterDeriver, ReadingsService],
  exports: [TelemetryService],
})
export class TelemetryModule {}
