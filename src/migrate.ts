import 'reflect-metadata';
import { type DataSource, MigrationExecutor } from 'typeorm';
import { validateEnv } from './config/env.schema.ts';
import { DatabaseEndpoint } from './database/database-endpoint.ts';
import {
  migrationDataSource,
  type MigrationSettings,
  runMigrationsLocked,
  withMigrationLock,
} from './database/migration-runner.ts';
import { migrationSettings } from './database/migration-settings.ts';

/**
 * Migration CLI, the same database and migrations as the service but no HTTP:
 *   node dist/src/migrate.js run     applies every pending migration (under the advisory lock)
 *   node dist/src/migrate.js revert  reverts the last applied migration (under the same lock)
 * The database is DATABASE_URL, or the embedded PostgreSQL when it is unset (started and stopped here).
 * Exits 0 on success, 1 on failure, 2 on a usage error.
 */
const COMMANDS = ['run', 'revert'] as const;
type Command = (typeof COMMANDS)[number];

async function main(command: Command): Promise<void> {
  const env = validateEnv(process.env);
  const endpoint = await DatabaseEndpoint.resolve(env);
  // Its own connections, as at start-up: no statement timeout, a lock timeout retried with backoff.
  const settings = migrationSettings(env);
  const dataSource = migrationDataSource(endpoint.url, settings);
  try {
    await dataSource.initialize();
    if (command === 'run') await run(dataSource, settings);
    else await revert(dataSource);
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
    await endpoint.onApplicationShutdown();
  }
}

async function run(dataSource: DataSource, settings: MigrationSettings): Promise<void> {
  const applied = await runMigrationsLocked(dataSource, settings);
  if (applied.length === 0) console.log('No pending migrations: the schema is up to date.');
  for (const name of applied) console.log(`Applied ${name}`);
}

async function revert(dataSource: DataSource): Promise<void> {
  const before = await executedMigrationNames(dataSource);
  await withMigrationLock(dataSource, () => dataSource.undoLastMigration({ transaction: 'each' }));
  const after = new Set(await executedMigrationNames(dataSource));
  const reverted = before.filter((name) => !after.has(name));
  if (reverted.length === 0) console.log('No applied migrations: nothing to revert.');
  for (const name of reverted) console.log(`Reverted ${name}`);
}

async function executedMigrationNames(dataSource: DataSource): Promise<string[]> {
  const executed = await new MigrationExecutor(dataSource).getExecutedMigrations();
  return executed.map((migration) => migration.name);
}

function isCommand(value: string | undefined): value is Command {
  return COMMANDS.some((command) => command === value);
}

const command = process.argv[2];
if (!isCommand(command)) {
  console.error(`usage: node dist/src/migrate.js <${COMMANDS.join('|')}>`);
  process.exit(2);
}
main(command).then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`Migration ${command} failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
