import { Module } from '@nestjs/common';
import { LinksController } from './links.controller.ts';
import { LinksRepository } from './links.repository.ts';
import { LinksService } from './links.service.ts';

@Module({
  controllers: [LinksController],
  providers: [LinksService, LinksRepository],
  exports: [LinksService],
})
export class LinksModule {}
