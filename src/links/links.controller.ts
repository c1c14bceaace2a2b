import { Body, Controller, Get, Param, Post, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { RequireRole } from '../auth/require-role.decorator.ts';
import { CreateLinkDto, type LinkPage, type LinkView, VehicleIdParams } from './dto/link.dto.ts';
import { ListLinksQuery } from './dto/list-links.query.ts';
import { LinksService } from './links.service.ts';

@Controller('v1/links')
@RequireRole('operator')
export class LinksController {
  constructor(private readonly links: LinksService) {}

  /** 201 when the link is new, 200 when an existing vehicle's link was re-pointed or confirmed. */
  @Post()
  async link(@Body() body: CreateLinkDto, @Res({ passthrough: true }) reply: FastifyReply): Promise<LinkView> {
    const { link, created } = await this.links.link(body.vehicleId, body.meterId);
    void reply.status(created ? 201 : 200);
    return link;
  }

  @Get()
  list(@Query() query: ListLinksQuery): Promise<LinkPage> {
    return this.links.list(query.limit, query.after);
  }

  @Get(':vehicleId')
  get(@Param() params: VehicleIdParams): Promise<LinkView> {
    return this.links.get(params.vehicleId);
  }
}
