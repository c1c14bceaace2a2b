import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { EmbeddedPostgresServer } from '../../src/database/embedded-postgres.ts';
import { dataSourceOptions } from '../../src/database/data-source-options.ts';
import { runMigrationsLocked } from '../../src/database/migration-runner.ts';
import { randomUUID } from 'node:crypto';
import { unusedPort } from '../support/processes.ts';
import { withDatabaseName } from './test-db.ts';

declare global {
  var embeddedPostgres: EmbeddedPostgresServer | undefined;
}

/**
 * Once per run: a PostgreSQL server (DATABASE_URL's, or an embedded one in a temp folder),
 * a template database migrated with the service's own migrations, which each test file clones,
 * and the operator page built from its sources into a temp folder (TEST_DASHBOARD_DIR), so that
 * the browser tests test these sources on a fresh clone and runs never share a build.
 */
export default async function globalSetup(): Promise<void> {
  const building = buildDashboard();
  let serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    const server = await startEmbeddedPostgres();
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
  process.env.TEST_DASHBOARD_DIR = await building;
}

/** `vite build` of dashboard/ into a fresh temp folder (about 2 s); answers the folder. */
async function buildDashboard(): Promise<string> {
  const outDir = await mkdtemp(join(tmpdir(), 'energy-dashboard-'));
  await promisify(execFile)(
    process.execPath,
    ['node_modules/vite/bin/vite.js', 'build', '--config', 'dashboard/vite.config.ts', '--outDir', outDir],
    { cwd: fileURLToPath(new URL('../..', import.meta.url)) },
  );
  return outDir;
}

/**
 * PostgreSQL cannot listen on port 0, so it gets a port nothing listened on a moment ago; when
 * another process took it in between, the start fails and is retried on a new port.
 */
async function startEmbeddedPostgres(attempts = 3): Promise<EmbeddedPostgresServer> {
  for (let attempt = 1; ; attempt += 1) {
    const dataDir = await mkdtemp(join(tmpdir(), 'energy-test-pg-'));
    try {
      return await EmbeddedPostgresServer.start({
        dataDir,
        port: await unusedPort(),
        persistent: false,
        database: 'postgres',
      });
    } catch (error) {
      await rm(dataDir, { recursive: true, force: true });
      if (attempt >= attempts) throw error;
    }
  }
}
