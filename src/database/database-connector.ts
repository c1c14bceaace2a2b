import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config.ts';
import { runMigrationsLocked } from './migration-runner.ts';
import { PartitionMaintainer } from './partition-maintainer.ts';

const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 30_000;

/**
 * Brings the database into service: connect, migrate (under a lock), make partitions, then keep
 * them up. The first attempt is awaited at start-up, so a healthy start is ready when the port
 * opens; if the database is unreachable the service starts anyway (liveness 200, readiness 503,
 * writes 503) and keeps retrying with exponential backoff until it is back.
 */
@Injectable()
export class DatabaseConnector implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DatabaseConnector.name);
  private ready = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private shuttingDown = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly partitions: PartitionMaintainer,
  ) {}

  /** Connected, migrated and partitioned. */
  isReady(): boolean {
    return this.ready && this.dataSource.isInitialized;
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.attempt(FIRST_RETRY_MS);
  }

  onApplicationShutdown(): void {
    this.shuttingDown = true;
    clearTimeout(this.retryTimer);
  }

  private async attempt(nextDelayMs: number): Promise<void> {
    try {
      await this.connect();
      this.ready = true;
    } catch (error) {
      if (this.shuttingDown) return;
      this.logger.error(`Database not available (${describe(error)}); retrying in ${nextDelayMs} ms`);
      this.retryTimer = setTimeout(() => void this.attempt(Math.min(nextDelayMs * 2, MAX_RETRY_MS)), nextDelayMs);
      this.retryTimer.unref();
    }
  }

  private async connect(): Promise<void> {
    if (!this.dataSource.isInitialized) await this.dataSource.initialize();
    if (this.config.MIGRATIONS_RUN_ON_BOOT) {
      const applied = await runMigrationsLocked(this.dataSource);
      if (applied.length > 0) this.logger.log(`Applied migrations: ${applied.join(', ')}`);
    }
    await this.partitions.start();
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
