import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { CannotExecuteNotConnectedError, MoreThan, Repository } from 'typeorm';
import { FleetLink } from './fleet-link.entity.ts';
import { UPSERT_LINK, type UpsertedLinkRow } from './links.sql.ts';

@Injectable()
export class LinksRepository {
  constructor(@InjectRepository(FleetLink) private readonly repository: Repository<FleetLink>) {}

  /**
   * The repository, once the database has been reached. Before that TypeORM has no entity metadata
   * and throws EntityMetadataNotFoundError (a 500); this error is answered 503 like any outage.
   */
  private get links(): Repository<FleetLink> {
    if (!this.repository.manager.dataSource.isInitialized) throw new CannotExecuteNotConnectedError();
    return this.repository;
  }

  async upsert(vehicleId: string, meterId: string): Promise<{ link: FleetLink; created: boolean }> {
    const [row] = await this.links.query<UpsertedLinkRow[]>(UPSERT_LINK, [vehicleId, meterId]);
    const link = Object.assign(new FleetLink(), {
      vehicleId: row!.vehicle_id,
      meterId: row!.meter_id,
      createdAt: row!.created_at,
      updatedAt: row!.updated_at,
    });
    return { link, created: row!.created };
  }

  findOne(vehicleId: string): Promise<FleetLink | null> {
    return this.links.findOneBy({ vehicleId });
  }

  /** Up to `limit` links ordered by vehicle id, starting after `after`. */
  findPage(limit: number, after?: string): Promise<FleetLink[]> {
    return this.links.find({
      where: after === undefined ? {} : { vehicleId: MoreThan(after) },
      order: { vehicleId: 'ASC' },
      take: limit,
    });
  }
}
