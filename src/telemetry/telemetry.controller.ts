import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../openapi/api-errors.decorator.ts';
import { INGEST_ACK, TELEMETRY_BODY } from '../openapi/openapi.schemas.ts';
import { RequireRole } from '../auth/require-role.decorator.ts';
import type { IngestAck, ReadingsBody } from './reading.ts';
import { TelemetryBodyPipe } from './telemetry-body.pipe.ts';
import { TelemetryService } from './telemetry.service.ts';

@ApiTags('telemetry')
@Controller('v1/telemetry')
@RequireRole('device')
export class TelemetryController {
  constructor(private readonly telemetry: TelemetryService) {}

  /** One meter or vehicle reading, or an array of them (mixed), answered after commit. */
  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary: 'Ingest one reading or a batch',
    description:
      'Stored in history and live state in one transaction, answered only after commit. ' +
      'The same reading (device and timestamp) sent again is counted as a duplicate and not stored again. ' +
      'A batch is all-or-nothing on validation.',
  })
  @ApiBody({ schema: TELEMETRY_BODY })
  @ApiCreatedResponse({ description: 'Committed', schema: INGEST_ACK })
  @ApiErrors(400, 413, 415, 503)
  ingest(@Body(TelemetryBodyPipe) body: ReadingsBody): Promise<IngestAck> {
    return this.telemetry.ingest(body);
  }
}
