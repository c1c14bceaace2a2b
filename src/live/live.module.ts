import { Module } from '@nestjs/common';
import { LiveController } from './live.controller.ts';
import { LiveService } from './live.service.ts';

/** Read-only: the live tables belong to telemetry, which writes them; this module only reads them. */
@Module({
  controllers: [LiveController],
  providers: [LiveService],
})
export class LiveModule {}
