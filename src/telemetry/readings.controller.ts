import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '../auth/require-role.decorator.ts';
import { CsvExport } from '../common/csv/csv-export.decorator.ts';
import { MeterIdParams, VehicleIdParams } from '../common/validation/device-id.params.ts';
import { ApiErrors } from '../openapi/api-errors.decorator.ts';
import { ListReadingsQuery, MeterReadingsPage, VehicleReadingsPage } from './dto/readings.dto.ts';
import { METER_READINGS_CSV, VEHICLE_READINGS_CSV } from './readings.csv.ts';
import { ReadingsService } from './readings.service.ts';

/** What was stored, counted and flagged, reading by reading (README "Data quality"). */
@ApiTags('telemetry')
@Controller('v1')
@RequireRole('operator')
export class ReadingsController {
  constructor(private readonly readings: ReadingsService) {}

  @Get('meters/:meterId/readings')
  @ApiOperation({
    summary: "A meter's stored readings over a window: as sent, energy counted, quality and why",
    description:
      'Default window: the last 24 hours. Oldest first; keyset pages (after = nextCursor; in CSV the Next-Cursor header).',
  })
  @CsvExport(METER_READINGS_CSV, MeterReadingsPage)
  @ApiErrors(400)
  meter(@Param() params: MeterIdParams, @Query() query: ListReadingsQuery): Promise<MeterReadingsPage> {
    return this.readings.meter(params.meterId, query);
  }

  @Get('vehicles/:vehicleId/readings')
  @ApiOperation({
    summary: "A vehicle's stored readings over a window: as sent, energy counted, quality and why",
    description:
      'Default window: the last 24 hours. Oldest first; keyset pages (after = nextCursor; in CSV the Next-Cursor header).',
  })
  @CsvExport(VEHICLE_READINGS_CSV, VehicleReadingsPage)
  @ApiErrors(400)
  vehicle(@Param() params: VehicleIdParams, @Query() query: ListReadingsQuery): Promise<VehicleReadingsPage> {
    return this.readings.vehicle(params.vehicleId, query);
  }
}
