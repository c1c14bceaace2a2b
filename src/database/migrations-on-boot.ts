import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config.ts';
import { runMigrationsLocked } from './migration-runner.ts';

@Injectable()
export class MigrationsOnBoot implements OnModuleInit {
  private readonly logger = new Logger(MigrationsOnBoot.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    if (!this.config.MIGRATIONS_RUN_ON_BOOT) return;
    const applied = await runMigrationsLocked(this.dataSource);
    if (applied.length > 0) this.logger.log(`Applied migrations: ${applied.join(', ')}`);
  }
}
