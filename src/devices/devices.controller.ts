import { Body, Controller, Get, HttpCode, Param, Put, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '../auth/require-role.decorator.ts';
import { MeterIdParams, VehicleIdParams } from '../common/validation/device-id.params.ts';
import { ApiErrors } from '../openapi/api-errors.decorator.ts';
import {
  ListDevicesQuery,
  MeterDevice,
  MeterDevicePage,
  PutDeviceBody,
  VehicleDevice,
  VehicleDevicePage,
} from './dto/device.dto.ts';
import { DevicesService } from './devices.service.ts';

const MODE_RULE =
  'A device registered before its first reading reports in its mode for all its readings. A mode change of a ' +
  'device with readings applies from effectiveFrom (default now), which must be after its latest reading (else 409). ' +
  'A device never registered reports interval energy. GET /v1/meters/live and /v1/vehicles/live are the live lists: ' +
  'a device named "live" is read here only through the list.';

/** The device registry: how each meter and vehicle reports energy (README "Energy modes"). */
@ApiTags('devices')
@Controller('v1')
@RequireRole('operator')
export class DevicesController {
  constructor(private readonly devices: DevicesService) {}

  @Put('meters/:meterId')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Register a meter or replace its settings (energy mode, register rollover, …)',
    description: MODE_RULE,
  })
  @ApiOkResponse({ type: MeterDevice })
  @ApiErrors(400, 409)
  async putMeter(@Param() params: MeterIdParams, @Body() body: PutDeviceBody): Promise<MeterDevice> {
    return { meterId: params.meterId, ...(await this.devices.put('meter', params.meterId, body)) };
  }

  @Get('meters')
  @ApiOperation({ summary: 'Registered meters, by id, a page at a time' })
  @ApiOkResponse({ type: MeterDevicePage })
  @ApiErrors(400)
  async meters(@Query() query: ListDevicesQuery): Promise<MeterDevicePage> {
    const page = await this.devices.list('meter', query);
    return { items: page.items.map((item) => ({ meterId: item.id, ...item.settings })), nextCursor: page.nextCursor };
  }

  @Get('meters/:meterId')
  @ApiOperation({ summary: "A registered meter's settings and mode history" })
  @ApiOkResponse({ type: MeterDevice })
  @ApiErrors(400, 404)
  async meter(@Param() params: MeterIdParams): Promise<MeterDevice> {
    return { meterId: params.meterId, ...(await this.devices.get('meter', params.meterId)) };
  }

  @Put('vehicles/:vehicleId')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Register a vehicle or replace its settings (energy mode of its DC, …)',
    description: MODE_RULE,
  })
  @ApiOkResponse({ type: VehicleDevice })
  @ApiErrors(400, 409)
  async putVehicle(@Param() params: VehicleIdParams, @Body() body: PutDeviceBody): Promise<VehicleDevice> {
    return { vehicleId: params.vehicleId, ...(await this.devices.put('vehicle', params.vehicleId, body)) };
  }

  @Get('vehicles')
  @ApiOperation({ summary: 'Registered vehicles, by id, a page at a time' })
  @ApiOkResponse({ type: VehicleDevicePage })
  @ApiErrors(400)
  async vehicles(@Query() query: ListDevicesQuery): Promise<VehicleDevicePage> {
    const page = await this.devices.list('vehicle', query);
    return { items: page.items.map((item) => ({ vehicleId: item.id, ...item.settings })), nextCursor: page.nextCursor };
  }

  @Get('vehicles/:vehicleId')
  @ApiOperation({ summary: "A registered vehicle's settings and mode history" })
  @ApiOkResponse({ type: VehicleDevice })
  @ApiErrors(400, 404)
  async vehicle(@Param() params: VehicleIdParams): Promise<VehicleDevice> {
    return { vehicleId: params.vehicleId, ...(await this.devices.get('vehicle', params.vehicleId)) };
  }
}
