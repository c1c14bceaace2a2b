import { Body, Controller, Delete, Get, Param, Post, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ApiErrors } from '../openapi/api-errors.decorator.ts';
import { RequireRole } from '../auth/require-role.decorator.ts';
import { VehicleIdParams } from '../common/validation/device-id.params.ts';
import { CreateLinkDto, LinkHistory, LinkPage, LinkView } from './dto/link.dto.ts';
import { ListLinksQuery } from './dto/list-links.query.ts';
import { LinksService } from './links.service.ts';

@ApiTags('links')
@Controller('v1/links')
@RequireRole('operator')
export class LinksController {
  constructor(private readonly links: LinksService) {}

  /** 201 for a vehicle's first link, 200 when an existing vehicle's link was re-pointed or confirmed. */
  @Post()
  @ApiOperation({
    summary: 'Link a vehicle to the meter that feeds it from validFrom on (or re-point its link)',
    description:
      "Without validFrom a vehicle's first link covers all time before; a re-point starts now. A backdated validFrom " +
      'ends the period holding it there; periods that started later are replaced only with replaceLater: true (else 409).',
  })
  @ApiResponse({ status: 201, description: 'First link of the vehicle', type: LinkView })
  @ApiResponse({ status: 200, description: 'Re-pointed (or already so)', type: LinkView })
  @ApiErrors(400, 409, 415)
  async link(@Body() body: CreateLinkDto, @Res({ passthrough: true }) reply: FastifyReply): Promise<LinkView> {
    const { link, created } = await this.links.link(body);
    void reply.status(created ? 201 : 200);
    return link;
  }

  @Get()
  @ApiOperation({ summary: 'Current links by vehicle id, a page at a time (keyset); ?meterId= those on one meter' })
  @ApiOkResponse({ type: LinkPage })
  @ApiErrors(400)
  list(@Query() query: ListLinksQuery): Promise<LinkPage> {
    return this.links.list(query.limit, query.after, query.meterId);
  }

  @Get(':vehicleId')
  @ApiOperation({ summary: "A vehicle's current link" })
  @ApiOkResponse({ type: LinkView })
  @ApiErrors(400, 404)
  get(@Param() params: VehicleIdParams): Promise<LinkView> {
    return this.links.get(params.vehicleId);
  }

  @Get(':vehicleId/history')
  @ApiOperation({ summary: "A vehicle's link periods, newest first" })
  @ApiOkResponse({ type: LinkHistory })
  @ApiErrors(400, 404)
  history(@Param() params: VehicleIdParams): Promise<LinkHistory> {
    return this.links.history(params.vehicleId);
  }

  @Delete(':vehicleId')
  @ApiOperation({ summary: "End a vehicle's current link now (the vehicle is then unlinked)" })
  @ApiOkResponse({ description: 'The period that was ended', type: LinkView })
  @ApiErrors(400, 404)
  unlink(@Param() params: VehicleIdParams): Promise<LinkView> {
    return this.links.unlink(params.vehicleId);
  }
}
