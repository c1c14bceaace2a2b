import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '../auth/require-role.decorator.ts';
import { ApiErrors } from '../openapi/api-errors.decorator.ts';
import { MeterIdParams, VehicleIdParams } from '../common/validation/device-id.params.ts';
import {
  ListLiveQuery,
  type LivePage,
  MeterLive,
  MeterLivePage,
  VehicleLive,
  VehicleLivePage,
} from './dto/live.dto.ts';
import { LiveService } from './live.service.ts';

/** Each device's latest reading, for operators: one device, or all of them page by page (optionally only the silent ones). */
@ApiTags('live')
@Controller('v1')
@RequireRole('operator')
export class LiveController {
  constructor(private readonly live: LiveService) {}

  @Get('meters/live')
  @ApiOperation({ summary: "Every meter's latest reading, by id, a page at a time" })
  @ApiOkResponse({ type: MeterLivePage })
  @ApiErrors(400)
  meters(@Query() query: ListLiveQuery): Promise<LivePage<MeterLive>> {
    return this.live.meters(query);
  }

  @Get('meters/:meterId/live')
  @ApiOperation({ summary: "A meter's latest reading and when it arrived" })
  @ApiOkResponse({ type: MeterLive })
  @ApiErrors(400, 404)
  meter(@Param() params: MeterIdParams): Promise<MeterLive> {
    return this.live.meter(params.meterId);
  }

  @Get('vehicles/live')
  @ApiOperation({ summary: "Every vehicle's latest reading, by id, a page at a time" })
  @ApiOkResponse({ type: VehicleLivePage })
  @ApiErrors(400)
  vehicles(@Query() query: ListLiveQuery): Promise<LivePage<VehicleLive>> {
    return this.live.vehicles(query);
  }

  @Get('vehicles/:vehicleId/live')
  @ApiOperation({ summary: "A vehicle's latest reading and when it arrived" })
  @ApiOkResponse({ type: VehicleLive })
  @ApiErrors(400, 404)
  vehicle(@Param() params: VehicleIdParams): Promise<VehicleLive> {
    return this.live.vehicle(params.vehicleId);
  }
}
