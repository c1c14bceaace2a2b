import { randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import pg from 'pg';
import request from 'supertest';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { backfillInBatches, historyDays } from '../../src/database/batched-backfill.ts';
import {
  migrate,
  MIGRATION_LOCK_KEY,
  migrationDataSource,
  runMigrationsLocked,
} from '../../src/database/migration-runner.ts';
import { MIGRATIONS } from '../../src/database/migrations.ts';
import { PartitionMaintainer } from '../../src/database/partition-maintainer.ts';
import { aMeterRow, insertMeterHistory } from '../builders/history.builder.ts';
import { adminUrl, dropTestDatabase, TestDb, withAdmin, withDatabaseName } from '../setup/test-db.ts';
import { createAppOn } from '../support/app-on-database.ts';
import { pollUntil } from '../support/http.ts';
import { aMeterReading, aVehicleReading } from '../support/readings.ts';

/**
 * Migrations on their own connections (no request statement timeout, a lock timeout retried with
 * backoff, under the advisory lock), readiness while migrations are pending, a pool of one, and the
 * batched backfill helper. Each test starts from an EMPTY database (not the migrated template).
 */

const SETTINGS = { lockTimeoutMs: 200, lockRetries: 5, connectTimeoutMs: 5_000 };

async function createEmptyDatabase(): Promise<string> {
  const name = `t_empty_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  await withAdmin((admin) => admin.query(`CREATE DATABASE ${name}`));
  return withDatabaseName(adminUrl(), name);
}

const migrationCount = async (db: TestDb): Promise<number> =>
  (await db.query<{ present: boolean }>(`SELECT to_regclass('typeorm_migrations') IS NOT NULL AS present`))[0]!.present
    ? db.count('typeorm_migrations')
    : 0;

describe('migration connections', () => {
  let url: string;
  let db: TestDb;
  beforeEach(async () => {
    url = await createEmptyDatabase();
    db = TestDb.connect(url);
  });
  afterEach(async () => {
    await db.close();
    await dropTestDatabase(url);
  });

  it('run without the request statement timeout, with the lock timeout, under their own application name', async () => {
    class ProbeSettings implements MigrationInterface {
      name = 'ProbeSettings1000000000001';
      async up(runner: QueryRunner): Promise<void> {
        await runner.query(`CREATE TABLE probe AS
          SELECT current_setting('statement_timeout') AS statement_timeout,
                 current_setting('lock_timeout') AS lock_timeout,
                 current_setting('application_name') AS application_name`);
      }
      async down(runner: QueryRunner): Promise<void> {
        await runner.query('DROP TABLE probe');
      }
    }
    const dataSource = migrationDataSource(url, SETTINGS, [ProbeSettings]);
    await dataSource.initialize();
    try {
      expect(await runMigrationsLocked(dataSource, SETTINGS)).toEqual(['ProbeSettings1000000000001']);
    } finally {
      await dataSource.destroy();
    }

    expect(await db.query('SELECT * FROM probe')).toEqual([
      { statement_timeout: '0', lock_timeout: '200ms', application_name: 'energy-ingestion-migrations' },
    ]);
  });

  it('roll back a migration that waits past lock_timeout behind a long read, retry it, and apply it once the read ends', async () => {
    await db.query('CREATE TABLE busy (id int)');
    class AlterBusy implements MigrationInterface {
      name = 'AlterBusy1000000000002';
      async up(runner: QueryRunner): Promise<void> {
        await runner.query('ALTER TABLE busy ADD COLUMN note text');
      }
      async down(runner: QueryRunner): Promise<void> {
        await runner.query('ALTER TABLE busy DROP COLUMN note');
      }
    }
    // A long analytics read: an open transaction holding ACCESS SHARE on the table.
    const reader = new pg.Client({ connectionString: url });
    await reader.connect();
    await reader.query('BEGIN');
    await reader.query('SELECT count(*) FROM busy');
    const lockTimeouts: number[] = [];
    const dataSource = migrationDataSource(url, SETTINGS, [AlterBusy]);
    await dataSource.initialize();
    try {
      const applying = runMigrationsLocked(dataSource, {
        ...SETTINGS,
        onLockTimeout: (attempt) => lockTimeouts.push(attempt),
      });
      await pollUntil('a lock timeout of the migration', () => Promise.resolve(lockTimeouts.length > 0), 10_000);
      // Rolled back and waiting for its retry: not applied while the read holds its lock.
      expect(await migrationCount(db)).toBe(0);

      await reader.query('COMMIT');

      expect(await applying).toEqual(['AlterBusy1000000000002']);
    } finally {
      await reader.end();
      await dataSource.destroy();
    }
    expect(lockTimeouts[0]).toBe(1);
    expect(await db.query(`SELECT name FROM typeorm_migrations`)).toEqual([{ name: 'AlterBusy1000000000002' }]);
    expect(await db.count('information_schema.columns', `table_name = 'busy' AND column_name = 'note'`)).toBe(1);
  });

  it('apply each migration of the build once when two instances migrate the same database at once', async () => {
    const [first, second] = await Promise.all([migrate(url, SETTINGS), migrate(url, SETTINGS)]);

    expect([...first, ...second].sort()).toEqual(MIGRATIONS.map((m) => new m().name).sort());
    expect(await db.count('typeorm_migrations')).toBe(MIGRATIONS.length);
  });
});

describe('readiness while migrations are pending (MIGRATIONS_RUN_ON_BOOT=false)', () => {
  let url: string;
  let db: TestDb;
  let app: NestFastifyApplication;
  beforeAll(async () => {
    url = await createEmptyDatabase();
    db = TestDb.connect(url);
    app = await createAppOn(url, { MIGRATIONS_RUN_ON_BOOT: 'false' });
  });
  afterAll(async () => {
    await app.close();
    await db.close();
    await dropTestDatabase(url);
  });

  it('answers 503 with nothing applied, refuses writes, and becomes ready without a restart once someone migrates', async () => {
    const server = app.getHttpServer();
    const down = await request(server).get('/health').expect(503);
    expect(down.body).toEqual({ status: 'unavailable', checks: { database: 'down' } });
    await request(server).get('/health/live').expect(200);
    const refused = await request(server).post('/v1/telemetry').send(aMeterReading());
    expect(refused.status).toBe(503);
    expect(await migrationCount(db)).toBe(0);

    // What `npm run migration:run` does (src/migrate.ts), from another process in real life.
    expect(await migrate(url, SETTINGS)).toHaveLength(MIGRATIONS.length);

    await pollUntil(
      'readiness after the migrations',
      async () => (await request(server).get('/health')).status === 200,
      15_000,
    );
    const reading = aMeterReading();
    await request(server).post('/v1/telemetry').send(reading).expect(201);
    expect(await db.count('meter_telemetry', 'meter_id = $1', [reading.meterId])).toBe(1);
  });
});

describe('readiness while another instance migrates (MIGRATIONS_RUN_ON_BOOT=true)', () => {
  let url: string;
  let db: TestDb;
  let holder: pg.Client;
  let app: NestFastifyApplication | undefined;
  beforeAll(async () => {
    url = await createEmptyDatabase();
    db = TestDb.connect(url);
    holder = new pg.Client({ connectionString: url });
    await holder.connect();
  });
  afterAll(async () => {
    await holder.end();
    await app?.close();
    await db.close();
    await dropTestDatabase(url);
  });

  it('starts serving anyway (live 200, ready 503) while it waits for the migration lock, then migrates and is ready', async () => {
    // Another replica in the middle of a long migration holds the lock.
    await holder.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);

    app = await createAppOn(url);
    const server = app.getHttpServer();

    await request(server).get('/health').expect(503);
    await request(server).get('/health/live').expect(200);
    expect(await migrationCount(db)).toBe(0);

    await holder.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);

    await pollUntil(
      'readiness after the migration lock is free',
      async () => (await request(server).get('/health')).status === 200,
      15_000,
    );
    expect(await db.count('typeorm_migrations')).toBe(MIGRATIONS.length);
  });
});

describe('DB_POOL_SIZE=1', () => {
  let url: string;
  let db: TestDb;
  let app: NestFastifyApplication;
  beforeAll(async () => {
    url = await createEmptyDatabase();
    db = TestDb.connect(url);
    app = await createAppOn(url, { DB_POOL_SIZE: '1', RATE_LIMIT_PER_MINUTE: '0' });
  });
  afterAll(async () => {
    await app.close();
    await db.close();
    await dropTestDatabase(url);
  });

  it('migrates an empty database, becomes ready, and serves writes, reads and upkeep', async () => {
    const server = app.getHttpServer();
    await request(server).get('/health').expect(200);
    expect(await db.count('typeorm_migrations')).toBe(MIGRATIONS.length);

    const meter = aMeterReading();
    const vehicle = aVehicleReading();
    const writes = await Promise.all([
      request(server).post('/v1/telemetry').send(meter),
      request(server).post('/v1/telemetry').send(vehicle),
      request(server).post('/v1/links').send({ vehicleId: vehicle.vehicleId, meterId: meter.meterId }),
    ]);
    expect(writes.map((res) => res.status)).toEqual([201, 201, 201]);
    const perf = await request(server).get(`/v1/analytics/performance/${vehicle.vehicleId}`).expect(200);
    expect(perf.body).toMatchObject({ meterReadings: 1, vehicleReadings: 1 });
    expect(await app.get(PartitionMaintainer).maintain()).toEqual({ created: [], dropped: [], deferred: [] });
  });
});

describe('backfillInBatches', () => {
  let url: string;
  let db: TestDb;
  beforeAll(async () => {
    url = await createEmptyDatabase();
    await migrate(url, SETTINGS);
    db = TestDb.connect(url);
  });
  afterAll(async () => {
    await db.close();
    await dropTestDatabase(url);
  });

  it('runs one short transaction per UTC day of history, covering every row once', async () => {
    // Three days: two with their own partition (made here), one stranded in the default partition.
    await db.query(`SELECT ensure_telemetry_partition('meter_telemetry', '2026-03-01'::date)`);
    await db.query(`SELECT ensure_telemetry_partition('meter_telemetry', '2026-03-02'::date)`);
    await insertMeterHistory(db, [
      aMeterRow({ meterId: 'bf-1', ts: '2026-03-01T00:00:00Z' }),
      aMeterRow({ meterId: 'bf-2', ts: '2026-03-01T23:59:59.999999Z' }),
      aMeterRow({ meterId: 'bf-1', ts: '2026-03-02T12:00:00Z' }),
      aMeterRow({ meterId: 'bf-1', ts: '2026-02-10T12:00:00Z' }),
    ]);
    await db.query('CREATE TABLE copied (meter_id text, ts timestamptz, tx bigint, PRIMARY KEY (meter_id, ts))');
    const dataSource = migrationDataSource(url, SETTINGS);
    await dataSource.initialize();
    const runner = dataSource.createQueryRunner();
    try {
      const days = await historyDays(runner, 'meter_telemetry');
      expect(days.map((batch) => batch.day)).toEqual(['2026-02-10', '2026-03-01', '2026-03-02']);

      const copied = await backfillInBatches(
        runner,
        `INSERT INTO copied SELECT meter_id, ts, txid_current() FROM meter_telemetry
         WHERE ts >= $1 AND ts < $2 ON CONFLICT DO NOTHING`,
        days,
        (batch) => [batch.from, batch.to],
      );

      expect(copied).toBe(4);
    } finally {
      await runner.release();
      await dataSource.destroy();
    }
    expect(await db.count('copied')).toBe(4);
    // Each day committed in a transaction of its own.
    const [{ n }] = (await db.query<{ n: number }>('SELECT count(DISTINCT tx)::int AS n FROM copied')) as [
      { n: number },
    ];
    expect(n).toBe(3);
  });
});
