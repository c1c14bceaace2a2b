import { randomUUID } from 'node:crypto';
import pg from 'pg';

/** The migrated database that every test file of this run clones (unique per run: runs may overlap). */
export function templateDb(): string {
  const name = process.env.TEST_TEMPLATE_DB;
  if (!name) throw new Error('TEST_TEMPLATE_DB is unset: run the tests through `npm test` (Jest global setup)');
  return name;
}

/** The server-level URL that global setup exported for the test files. */
export function adminUrl(): string {
  const url = process.env.TEST_ADMIN_DATABASE_URL;
  if (!url) throw new Error('TEST_ADMIN_DATABASE_URL is unset: run the tests through `npm test` (Jest global setup)');
  return url;
}

export function withDatabaseName(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** A fresh database cloned from the migrated template; unique per test file and run. */
export async function createTestDatabase(): Promise<string> {
  const name = `t_${process.env.JEST_WORKER_ID ?? 0}_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  await withAdmin((admin) => admin.query(`CREATE DATABASE ${name} TEMPLATE ${templateDb()}`));
  return withDatabaseName(adminUrl(), name);
}

export async function dropTestDatabase(url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  await withAdmin((admin) => admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`));
}

export async function withAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
}

/** A plain client on a test database, to read back what the service stored. */
export class TestDb {
  private constructor(private readonly pool: pg.Pool) {}

  static connect(url: string): TestDb {
    const pool = new pg.Pool({ connectionString: url, max: 2 });
    // pool.end() resolves before its connections are gone; the drop that follows (WITH FORCE) may
    // kill one, which an idle client reports as an 'error' event: expected, not a test failure.
    pool.on('error', () => undefined);
    return new TestDb(pool);
  }

  async query<T extends pg.QueryResultRow = Record<string, unknown>>(
    sql: string,
    params: unknown[] = [],
  ): Promise<T[]> {
    const result = await this.pool.query<T>(sql, params);
    return result.rows;
  }

  async count(table: string, where = 'true', params: unknown[] = []): Promise<number> {
    const [row] = await this.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE ${where}`, params);
    return row!.n;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
