import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.ts';
import { EmbeddedPostgresServer } from './embedded-postgres.ts';

/** Where the database is: DATABASE_URL, or an embedded PostgreSQL started for this process. */
export class DatabaseEndpoint implements OnApplicationShutdown {
  private constructor(
    readonly url: string,
    private readonly embedded?: EmbeddedPostgresServer,
  ) {}

  static async resolve(config: AppConfig): Promise<DatabaseEndpoint> {
    if (config.DATABASE_URL) return new DatabaseEndpoint(config.DATABASE_URL);
    const logger = new Logger('EmbeddedPostgres');
    logger.warn(
      `DATABASE_URL is not set: starting an embedded PostgreSQL in ${config.EMBEDDED_PG_DIR} on 127.0.0.1:${config.EMBEDDED_PG_PORT}. ` +
        'Fine for development; set DATABASE_URL for anything else.',
    );
    const server = await EmbeddedPostgresServer.start({
      dataDir: config.EMBEDDED_PG_DIR,
      port: config.EMBEDDED_PG_PORT,
      persistent: true,
      database: 'energy',
    });
    return new DatabaseEndpoint(server.url, server);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.embedded?.stop();
  }
}
