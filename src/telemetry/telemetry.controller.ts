import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { RequireRole } from '../auth/require-role.decorator.ts';
import type { IngestAck, Reading } from './reading.ts';
import { TelemetryBodyPipe } from './telemetry-body.pipe.ts';
import { TelemetryService } from './telemetry.service.ts';

@Controller('v1/telemetry')
@RequireRole('device')
export class TelemetryController {
  constructor(private readonly telemetry: TelemetryService) {}

  /** One meter or vehicle reading, or an array of them (mixed), answered after commit. */
  @Post()
  @HttpCode(201)
  ingest(@Body(TelemetryBodyPipe) readings: Reading[]): Promise<IngestAck> {
    return this.telemetry.ingest(readings);
  }
}
