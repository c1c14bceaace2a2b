import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { FleetLink } from './fleet-link.entity.ts';
import { LinksController } from './links.controller.ts';
import { LinksRepository } from './links.repository.ts';
import { LinksService } from './links.service.ts';

@Module({
  imports: [TypeOrmModule.forFeature([FleetLink])],
  controllers: [LinksController],
  providers: [LinksService, LinksRepository],
  exports: [LinksService],
})
export class LinksModule {}
