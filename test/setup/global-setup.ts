import { mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { EmbeddedPostgresServer } from '../../src/database/embedded-postgres.ts';
import { dataSourceOptions } from '../../src/database/data-source-options.ts';
import { runMigrationsLocked } from '../../src/database/migration-runner.ts';
import { randomUUID } from 'node:crypto';
import { withDatabaseName } from './test-db.ts';

declare global {
  var embeddedPostgres: EmbeddedPostgresServer | undefined;
}

/**
 * Once per run: a PostgreSQL server (DATABASE_URL's, or an embedded one in a temp folder),
 * and a template database migrated with the service's own migrations, which each test file clones.
 */
export default async function globalSetup(): Promise<void> {
  let serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    const server = await EmbeddedPostgresServer.start({
      dataDir: await mkdtemp(join(tmpdir(), 'energy-test-pg-')),
      port: await freePort(),
      persistent: false,
      database: 'postgres',
    });
    globalThis.embeddedPostgres = server;
    serverUrl = server.url;
  }
  const adminUrl = withDatabaseName(serverUrl, 'postgres');
  const templateDb = `t_template_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  process.env.TEST_ADMIN_DATABASE_URL = adminUrl;
  process.env.TEST_TEMPLATE_DB = templateDb;

  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${templateDb}`);
  } finally {
    await admin.end();
  }

  const dataSource = new DataSource(
    dataSourceOptions(withDatabaseName(serverUrl, templateDb), {
      poolSize: 2,
      statementTimeoutMs: 30_000,
      connectTimeoutMs: 5_000,
    }),
  );
  await dataSource.initialize();
  try {
    await runMigrationsLocked(dataSource);
  } finally {
    await dataSource.destroy(); // a template with open connections cannot be cloned
  }
}

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
