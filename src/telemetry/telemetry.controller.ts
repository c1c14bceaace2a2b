import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiExtraModels, ApiOperation, ApiTags, getSchemaPath } from '@nestjs/swagger';
import { ApiErrors } from '../openapi/api-errors.decorator.ts';
import { RequireRole } from '../auth/require-role.decorator.ts';
import { IngestAckDto } from './dto/ingest-ack.dto.ts';
import { MeterReadingDto } from './dto/meter-reading.dto.ts';
import { VehicleReadingDto } from './dto/vehicle-reading.dto.ts';
import type { IngestAck, ReadingsBody } from './reading.ts';
import { TelemetryBodyPipe } from './telemetry-body.pipe.ts';
import { TelemetryService } from './telemetry.service.ts';

const ONE_READING = { oneOf: [{ $ref: getSchemaPath(MeterReadingDto) }, { $ref: getSchemaPath(VehicleReadingDto) }] };

@ApiTags('telemetry')
@ApiExtraModels(MeterReadingDto, VehicleReadingDto)
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
  @ApiBody({
    description: 'One reading, or a batch (array, meters and vehicles mixed, at most BATCH_MAX_READINGS)',
    schema: { oneOf: [...ONE_READING.oneOf, { type: 'array', minItems: 1, items: ONE_READING }] },
  })
  @ApiCreatedResponse({ description: 'Committed', type: IngestAckDto })
  @ApiErrors(400, 413, 415, 503)
  ingest(@Body(TelemetryBodyPipe) body: ReadingsBody): Promise<IngestAck> {
    return this.telemetry.ingest(body);
  }
}
