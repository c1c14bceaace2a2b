import { Body, Controller, Get, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ApiErrors, ApiKeysetPage } from '../openapi/api-errors.decorator.ts';
import { LINK, LINK_BODY, pageOf } from '../openapi/openapi.schemas.ts';
import { RequireRole } from '../auth/require-role.decorator.ts';
import { CreateLinkDto, type LinkPage, type LinkView, VehicleIdParams } from './dto/link.dto.ts';
import { ListLinksQuery } from './dto/list-links.query.ts';
import { LinksService } from './links.service.ts';

@ApiTags('links')
@Controller('v1/links')
@RequireRole('operator')
export class LinksController {
  constructor(private readonly links: LinksService) {}

  /** 201 when the link is new, 200 when an existing vehicle's link was re-pointed or confirmed. */
  @Post()
  @ApiOperation({ summary: 'Link a vehicle to the meter that feeds it (or re-point its link)' })
  @ApiBody({ schema: LINK_BODY })
  @ApiResponse({ status: 201, description: 'Created', schema: LINK })
  @ApiResponse({ status: 200, description: 'Re-pointed (or already so)', schema: LINK })
  @ApiErrors(400, 415)
  async link(@Body() body: CreateLinkDto, @Res({ passthrough: true }) reply: FastifyReply): Promise<LinkView> {
    const { link, created } = await this.links.link(body.vehicleId, body.meterId);
    void reply.status(created ? 201 : 200);
    return link;
  }

  @Get()
  @ApiOperation({ summary: 'All links, by vehicle id, a page at a time (keyset)' })
  @ApiKeysetPage()
  @ApiOkResponse({ schema: pageOf(LINK) })
  @ApiErrors(400)
  list(@Query() query: ListLinksQuery): Promise<LinkPage> {
    return this.links.list(query.limit, query.after);
  }

  @Get(':vehicleId')
  @ApiOperation({ summary: "A vehicle's link" })
  @ApiParam({ name: 'vehicleId' })
  @ApiOkResponse({ schema: LINK })
  @ApiErrors(400, 404)
  get(@Param() params: VehicleIdParams): Promise<LinkView> {
    return this.links.get(params.vehicleId);
  }
}
