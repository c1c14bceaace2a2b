import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config.ts';
import { DatabaseEndpoint } from './database-endpoint.ts';
import { migrate, pendingMigrations } from './migration-runner.ts';
import { migrationSettings } from './migration-settings.ts';
import { PartitionMaintainer } from './partition-maintainer.ts';

const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 30_000;
/** With migrations pending (MIGRATIONS_RUN_ON_BOOT=false), how often to look whether someone applied them. */
const PENDING_POLL_MS = 1_000;
/**
 * How long start-up waits for the first attempt. Usually it is done by then, and the service is
 * ready when its port opens; a long migration (or one waiting for another replica's) goes on in the
 * background, so that liveness answers 200 and readiness 503 meanwhile instead of nothing at all.
 */
const STARTUP_WAIT_MS = 5_000;

/** The schema is behind this build: not ready until the migrations are applied. */
class MigrationsPending extends Error {
  constructor(readonly names: string[]) {
    super(`Migrations pending: ${names.join(', ')}`);
  }
}

/**
 * Brings the database into service: connect, migrate (under a lock, on connections of their own),
 * check that no migration is pending, make partitions, then keep them up. The first attempt is
 * awaited at start-up (up to STARTUP_WAIT_MS), so a healthy start is ready when the port opens; if the database is
 * unreachable the service starts anyway (liveness 200, readiness 503, writes 503) and keeps
 * retrying with exponential backoff until it is back. With MIGRATIONS_RUN_ON_BOOT=false and
 * migrations pending it stays unready and looks again every second until they are applied.
 */
@Injectable()
export class DatabaseConnector implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DatabaseConnector.name);
  private ready = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private shuttingDown = false;
  private pendingLogged = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly partitions: PartitionMaintainer,
    private readonly endpoint: DatabaseEndpoint,
  ) {}

  /** Connected, migrated and partitioned. */
  isReady(): boolean {
    return this.ready && this.dataSource.isInitialized;
  }

  async onApplicationBootstrap(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, STARTUP_WAIT_MS);
    });
    await Promise.race([this.attempt(FIRST_RETRY_MS), waited]);
    clearTimeout(timer);
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
      if (error instanceof MigrationsPending) {
        this.logPendingOnce(error);
        this.retryTimer = setTimeout(() => void this.attempt(FIRST_RETRY_MS), PENDING_POLL_MS);
      } else {
        this.logger.error(`Database not available (${describe(error)}); retrying in ${nextDelayMs} ms`);
        this.retryTimer = setTimeout(() => void this.attempt(Math.min(nextDelayMs * 2, MAX_RETRY_MS)), nextDelayMs);
      }
      this.retryTimer.unref();
    }
  }

  private async connect(): Promise<void> {
    if (!this.dataSource.isInitialized) await this.dataSource.initialize();
    if (this.config.MIGRATIONS_RUN_ON_BOOT) {
      const settings = migrationSettings(this.config, (message) => this.logger.warn(message));
      const applied = await migrate(this.endpoint.url, settings);
      if (applied.length > 0) this.logger.log(`Applied migrations: ${applied.join(', ')}`);
    }
    const pending = await pendingMigrations((sql) => this.dataSource.query(sql));
    if (pending.length > 0) throw new MigrationsPending(pending);
    this.pendingLogged = false;
    if (this.shuttingDown) return; // closed while migrating: start no upkeep timer
    await this.partitions.start();
  }

  private logPendingOnce(error: MigrationsPending): void {
    if (this.pendingLogged) return;
    this.pendingLogged = true;
    this.logger.warn(`${error.message}; not ready until they are applied (npm run migration:run)`);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
