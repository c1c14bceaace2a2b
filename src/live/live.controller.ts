import { Controller, Get, Param, Query } from '@nestjs/common';
import { RequireRole } from '../auth/require-role.decorator.ts';
import { VehicleIdParams } from '../links/dto/link.dto.ts';
import { ListLiveQuery, type LivePage, MeterIdParams, type MeterLive, type VehicleLive } from './dto/live.dto.ts';
import { LiveService } from './live.service.ts';

/** Each device's latest reading, for operators: one device, or all of them page by page (optionally only the silent ones). */
@Controller('v1')
@RequireRole('operator')
export class LiveController {
  constructor(private readonly live: LiveService) {}

  @Get('meters/live')
  meters(@Query() query: ListLiveQuery): Promise<LivePage<MeterLive>> {
    return this.live.meters(query);
  }

  @Get('meters/:meterId/live')
  meter(@Param() params: MeterIdParams): Promise<MeterLive> {
    return this.live.meter(params.meterId);
  }

  @Get('vehicles/live')
  vehicles(@Query() query: ListLiveQuery): Promise<LivePage<VehicleLive>> {
    return this.live.vehicles(query);
  }

  @Get('vehicles/:vehicleId/live')
  vehicle(@Param() params: VehicleIdParams): Promise<VehicleLive> {
    return this.live.vehicle(params.vehicleId);
  }
}
