import { Injectable } from '@nestjs/common';
import { LinkNotFound } from '../common/errors/domain-error.ts';
import { toKeysetPage } from '../common/pagination/keyset-page.ts';
import type { LinkPage, LinkView } from './dto/link.dto.ts';
import type { FleetLink } from './fleet-link.entity.ts';
import { LinksRepository } from './links.repository.ts';

@Injectable()
export class LinksService {
  constructor(private readonly links: LinksRepository) {}

  /** Links the vehicle to the meter, replacing any earlier link of the vehicle. */
  async link(vehicleId: string, meterId: string): Promise<{ link: LinkView; created: boolean }> {
    const { link, created } = await this.links.upsert(vehicleId, meterId);
    return { link: toView(link), created };
  }

  async get(vehicleId: string): Promise<LinkView> {
    const link = await this.links.findOne(vehicleId);
    if (!link) throw new LinkNotFound(vehicleId);
    return toView(link);
  }

  async list(limit: number, after?: string): Promise<LinkPage> {
    const rows = await this.links.findPage(limit + 1, after);
    return toKeysetPage(rows.map(toView), limit, (link) => link.vehicleId);
  }
}

function toView(link: FleetLink): LinkView {
  return {
    vehicleId: link.vehicleId,
    meterId: link.meterId,
    createdAt: link.createdAt.toISOString(),
    updatedAt: link.updatedAt.toISOString(),
  };
}
