import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import pg from 'pg';
import request from 'supertest';
import { DataSource } from 'typeorm';
import {
  type MaintenanceReport,
  PartitionMaintainer,
  UPKEEP_LOCK_KEY,
} from '../../src/database/partition-maintainer.ts';
import {
  aMeterRow,
  daysFrom,
  dayPartitions,
  insertMeterHistory,
  partitionName,
  rowsByPartition,
} from '../builders/history.builder.ts';
import { meterReading as meterReadingOf, vehicleReading as vehicleReadingOf } from '../builders/readings.builder.ts';
import { createTestApp, type TestApp } from '../setup/test-app.ts';
import { ingest, link } from '../support/api.ts';
import { createAppOn } from '../support/app-on-database.ts';
import { expectErrorBody, inParallel } from '../support/http.ts';

type Table = 'meter_telemetry' | 'vehicle_telemetry';
const TABLES: Table[] = ['meter_telemetry', 'vehicle_telemetry'];

/** `<table>_pYYYYMMDD` for every day from `first` to `last` days away from `now`, inclusive. */
function partitionsAround(table: Table, now: Date, first: number, last: number): string[] {
  const names: string[] = [];
  for (let day = first; day <= last; day += 1) names.push(partitionName(table, daysFrom(now, day)));
  return names;
}

/** This file's readings: meters at 231.5 V (1.25 kWh unless given); vehicles at 42 %, 1.1 kWh and 27.5 °C. */
const meterReading = (meterId: string, timestamp: string, kwhConsumedAc = 1.25) =>
  meterReadingOf(meterId, timestamp, kwhConsumedAc, 231.5);
const vehicleReading = (vehicleId: string, timestamp: string) => vehicleReadingOf(vehicleId, timestamp, 1.1, 27.5, 42);

/** Every test below starts from its own app and database: none depends on another's data or clock. */
const EMPTY: MaintenanceReport = { created: [], dropped: [], deferred: [] };

/** A run that did its work (not skipped because another instance held the upkeep lock). */
async function maintainOnce(maintainer: PartitionMaintainer): Promise<MaintenanceReport> {
  const report = await maintainer.maintain();
  if (!report) throw new Error('upkeep was skipped: another instance holds the upkeep lock');
  return report;
}

describe('partition upkeep (no retention)', () => {
  const NOW = new Date('2026-03-15T12:00:00.000Z');
  let t: TestApp;
  let maintainer: PartitionMaintainer;
  beforeEach(async () => {
    t = await createTestApp({ now: NOW });
    maintainer = t.app.get(PartitionMaintainer);
  });
  afterEach(async () => {
    await t.close();
  });

  it.each(TABLES)('has made day partitions of %s from 7 days back to 7 days ahead at start-up', async (table) => {
    const days = ['0308', '0309', '0310', '0311', '0312', '0313', '0314', '0315'];
    days.push('0316', '0317', '0318', '0319', '0320', '0321', '0322');
    expect(await dayPartitions(t.db, table)).toEqual(days.map((day) => `${table}_p2026${day}`));
  });

  it('creates nothing more when run again right after start-up', async () => {
    expect(await maintainer.maintain()).toEqual(EMPTY);
  });

  it("moves readings for a day without a partition out of the default partition into that day's new one", async () => {
    const meterId = 'part-met-backfill';
    const vehicleId = 'part-veh-backfill';
    // 30 days back: no partition; UTC day boundaries at both ends of 2026-02-13, and the next day.
    await ingest(t, [
      meterReading(meterId, '2026-02-13T00:00:00Z', 0.1),
      meterReading(meterId, '2026-02-13T23:59:59.999999Z', 0.2),
      meterReading(meterId, '2026-02-14T01:00:00+02:00', 0.3), // 2026-02-13T23:00Z
      meterReading(meterId, '2026-02-14T00:00:00Z', 0.4),
      meterReading(meterId, '2026-03-15T08:00:00Z', 0.5), // a day that has its partition
      vehicleReading(vehicleId, '2026-02-13T10:00:00Z'),
    ]);
    expect(await rowsByPartition(t.db, 'meter_telemetry', 'meter_id = $1', [meterId])).toEqual({
      meter_telemetry_default: 4,
      meter_telemetry_p20260315: 1,
    });
    expect(await rowsByPartition(t.db, 'vehicle_telemetry', 'vehicle_id = $1', [vehicleId])).toEqual({
      vehicle_telemetry_default: 1,
    });
    const before = await t.db.query('SELECT * FROM meter_telemetry WHERE meter_id = $1 ORDER BY ts', [meterId]);

    const report = await maintainOnce(maintainer);

    expect([...report.created].sort()).toEqual([
      'meter_telemetry_p20260213',
      'meter_telemetry_p20260214',
      'vehicle_telemetry_p20260213',
    ]);
    expect(report.dropped).toEqual([]);
    expect(await rowsByPartition(t.db, 'meter_telemetry', 'meter_id = $1', [meterId])).toEqual({
      meter_telemetry_p20260213: 3,
      meter_telemetry_p20260214: 1,
      meter_telemetry_p20260315: 1,
    });
    expect(await rowsByPartition(t.db, 'vehicle_telemetry', 'vehicle_id = $1', [vehicleId])).toEqual({
      vehicle_telemetry_p20260213: 1,
    });
    expect(await t.db.count('meter_telemetry_default')).toBe(0);
    expect(await t.db.count('vehicle_telemetry_default')).toBe(0);
    // Nothing lost or altered on the way: every column of every row is as it was (received_at included).
    expect(await t.db.query('SELECT * FROM meter_telemetry WHERE meter_id = $1 ORDER BY ts', [meterId])).toEqual(
      before,
    );
    // The rows still answer to their key: a re-sent reading is a duplicate, not a second row.
    const again = await request(t.server)
      .post('/v1/telemetry')
      .send(meterReading(meterId, '2026-02-13T00:00:00Z', 0.1))
      .expect(201);
    expect(again.body).toEqual({ accepted: 0, duplicates: 1, suspect: 0, conflicts: 0 });
    expect(await t.db.count('meter_telemetry', 'meter_id = $1', [meterId])).toBe(5);
  });

  it('makes partitions for far-future rows that landed in the default partition too', async () => {
    // The API refuses readings this far ahead of the clock; rows written by other means still get a home.
    await insertMeterHistory(t.db, [aMeterRow({ meterId: 'part-met-future', ts: '2026-06-01T12:00:00Z' })]);
    expect(await t.db.count('meter_telemetry_default')).toBe(1);

    const report = await maintainer.maintain();

    expect(report).toEqual({ ...EMPTY, created: ['meter_telemetry_p20260601'] });
    expect(await rowsByPartition(t.db, 'meter_telemetry', 'meter_id = $1', ['part-met-future'])).toEqual({
      meter_telemetry_p20260601: 1,
    });
  });

  it('is idempotent: a second run changes nothing', async () => {
    await ingest(t, [meterReading('part-met-idem', '2026-02-20T06:00:00Z')]); // 23 days back: inside the horizon
    const first = await maintainOnce(maintainer);
    expect(first.created).toEqual(['meter_telemetry_p20260220']);
    const partitions = {
      meter: await dayPartitions(t.db, 'meter_telemetry'),
      vehicle: await dayPartitions(t.db, 'vehicle_telemetry'),
    };
    const rows = { meter: await t.db.count('meter_telemetry'), vehicle: await t.db.count('vehicle_telemetry') };

    const second = await maintainer.maintain();

    expect(second).toEqual(EMPTY);
    expect({
      meter: await dayPartitions(t.db, 'meter_telemetry'),
      vehicle: await dayPartitions(t.db, 'vehicle_telemetry'),
    }).toEqual(partitions);
    expect({ meter: await t.db.count('meter_telemetry'), vehicle: await t.db.count('vehicle_telemetry') }).toEqual(
      rows,
    );
  });

  it('adds the days that come into range as the clock moves on, dropping none without retention', async () => {
    t.clock.set(daysFrom(NOW, 3));

    const report = await maintainOnce(maintainer);

    expect([...report.created].sort()).toEqual([
      ...partitionsAround('meter_telemetry', NOW, 8, 10),
      ...partitionsAround('vehicle_telemetry', NOW, 8, 10),
    ]);
    expect(report.dropped).toEqual([]);
    for (const table of TABLES) {
      expect(await dayPartitions(t.db, table)).toEqual(expect.arrayContaining(partitionsAround(table, NOW, -7, 10)));
    }
  });
});

describe('partition upkeep with RETENTION_DAYS=3', () => {
  // Start-up ten days before NOW makes the partitions of those days; moving the clock to NOW expires them.
  const NOW = new Date('2026-03-15T12:00:00.000Z');
  const START = daysFrom(NOW, -10); // 2026-03-05T12:00Z
  let t: TestApp;
  let maintainer: PartitionMaintainer;
  beforeEach(async () => {
    t = await createTestApp({ now: START, env: { RETENTION_DAYS: '3' } });
    maintainer = t.app.get(PartitionMaintainer);
  });
  afterEach(async () => {
    await t.close();
  });

  it.each(TABLES)('makes no partition of %s older than the retention cutoff at start-up', async (table) => {
    // Cutoff START − 3 days: the 7 days behind are cut to 3 (03-02 … 03-12).
    const days = ['0302', '0303', '0304', '0305', '0306', '0307', '0308', '0309', '0310', '0311', '0312'];
    expect(await dayPartitions(t.db, table)).toEqual(days.map((day) => `${table}_p2026${day}`));
  });

  it('drops whole partitions older than the cutoff, keeps the cutoff day and newer, loses no kept row, and is idempotent', async () => {
    // Rows written while the clock was at START (the API now refuses what is older than the cutoff).
    await insertMeterHistory(t.db, [
      aMeterRow({ meterId: 'ret-met', ts: '2026-03-10T08:00:00Z' }), // expires with its partition
      aMeterRow({ meterId: 'ret-met', ts: '2026-03-11T23:59:59.999999Z' }), // the last instant before the cutoff day
    ]);
    t.clock.set(NOW); // cutoff: 2026-03-12
    await ingest(t, [
      meterReading('ret-met', '2026-03-12T00:00:00Z'), // the first instant of the cutoff day: kept
      meterReading('ret-met', '2026-03-14T09:00:00Z'), // a day not made yet: default partition, then its own
      vehicleReading('ret-veh', '2026-03-12T12:00:00Z'),
    ]);
    expect(await rowsByPartition(t.db, 'meter_telemetry', 'meter_id = $1', ['ret-met'])).toEqual({
      meter_telemetry_default: 1,
      meter_telemetry_p20260310: 1,
      meter_telemetry_p20260311: 1,
      meter_telemetry_p20260312: 1,
    });

    const report = await maintainOnce(maintainer);

    for (const table of TABLES) {
      // Dropped: START − 3 days (03-02) up to the day before the cutoff (03-11).
      expect(report.dropped.filter((name) => name.startsWith(table)).sort()).toEqual(
        partitionsAround(table, NOW, -13, -4),
      );
      // Created: the days after those made at start-up, up to NOW + 7.
      expect(report.created.filter((name) => name.startsWith(table)).sort()).toEqual(
        partitionsAround(table, NOW, -2, 7),
      );
      expect(await dayPartitions(t.db, table)).toEqual(partitionsAround(table, NOW, -3, 7));
    }
    expect(report.deferred).toEqual([]);
    expect(await rowsByPartition(t.db, 'meter_telemetry', 'meter_id = $1', ['ret-met'])).toEqual({
      meter_telemetry_p20260312: 1,
      meter_telemetry_p20260314: 1,
    });
    expect(await rowsByPartition(t.db, 'vehicle_telemetry', 'vehicle_id = $1', ['ret-veh'])).toEqual({
      vehicle_telemetry_p20260312: 1,
    });
    expect(await t.db.count('meter_telemetry_default')).toBe(0);
    // The default partitions themselves are never dropped.
    expect(await t.db.count('pg_class', "relname IN ('meter_telemetry_default', 'vehicle_telemetry_default')")).toBe(2);

    const partitions = await dayPartitions(t.db, 'meter_telemetry');
    expect(await maintainer.maintain()).toEqual(EMPTY);
    expect(await dayPartitions(t.db, 'meter_telemetry')).toEqual(partitions);
    expect(await t.db.count('meter_telemetry', 'meter_id = $1', ['ret-met'])).toBe(2);
  });

  it('expires rows stranded in the default partition past the cutoff by giving them a partition and dropping it', async () => {
    await insertMeterHistory(t.db, [aMeterRow({ meterId: 'stranded-old', ts: '2026-02-10T06:00:00Z' })]);
    expect(await rowsByPartition(t.db, 'meter_telemetry', 'meter_id = $1', ['stranded-old'])).toEqual({
      meter_telemetry_default: 1,
    });

    const report = await maintainOnce(maintainer);

    expect(report.created).toContain('meter_telemetry_p20260210');
    expect(report.dropped).toContain('meter_telemetry_p20260210');
    expect(await t.db.count('meter_telemetry', 'meter_id = $1', ['stranded-old'])).toBe(0);
    expect(await t.db.count('meter_telemetry_default')).toBe(0);
  });

  it('refuses (400, nothing stored) a reading older than the retention cutoff, accepts one at the cutoff', async () => {
    t.clock.set(NOW); // cutoff: 2026-03-12T00:00Z
    const tooOld = meterReading('ret-edge', '2026-03-11T23:59:59.999Z');
    const atCutoff = meterReading('ret-edge', '2026-03-12T00:00:00Z');

    const res = await request(t.server).post('/v1/telemetry').send([atCutoff, tooOld]).expect(400);

    expectErrorBody(res, 400);
    expect(res.body.details).toEqual([
      { field: '[1].timestamp', errors: [expect.stringMatching(/retention cut-off/)] },
    ]);
    expect(await t.db.count('meter_telemetry', 'meter_id = $1', ['ret-edge'])).toBe(0);
    await ingest(t, [atCutoff]);
  });
});

describe('old readings: PARTITION_HORIZON_DAYS (31) and READING_MAX_AGE_DAYS', () => {
  const NOW = new Date('2026-03-15T12:00:00.000Z');
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp({ now: NOW });
  });
  afterEach(async () => {
    await t.close();
  });

  it('stores 300 readings on 300 distinct old days (2001–2025) without a partition of their own, and analytics counts them', async () => {
    const meterId = 'old-met';
    const vehicleId = 'old-veh';
    const readings = Array.from({ length: 300 }, (_, i) =>
      meterReading(meterId, new Date(Date.UTC(2001, 0, 1) + i * 30 * 86_400_000 + 3_600_000).toISOString(), 0.5),
    );
    expect(readings.at(-1)!.timestamp.startsWith('2025-')).toBe(true);
    const partitionsBefore = await dayPartitions(t.db, 'meter_telemetry');

    await ingest(t, readings);
    const report = await maintainOnce(t.app.get(PartitionMaintainer));

    expect(report).toEqual(EMPTY);
    expect(await dayPartitions(t.db, 'meter_telemetry')).toEqual(partitionsBefore);
    expect(await rowsByPartition(t.db, 'meter_telemetry', 'meter_id = $1', [meterId])).toEqual({
      meter_telemetry_default: 300,
    });
    // The parent table covers the default partition: a window over old days counts its rows.
    await link(t, vehicleId, meterId);
    const first = readings[0]!.timestamp;
    const res = await request(t.server)
      .get(`/v1/analytics/performance/${vehicleId}`)
      .query({ from: first, to: new Date(Date.parse(first) + 1000).toISOString() })
      .expect(200);
    expect(res.body).toMatchObject({ acKwh: 0.5, meterReadings: 1 });
  });

  it('gives the days of a week-old buffer their partitions, and the horizon day too, but not the day before it', async () => {
    const meterId = 'buffer-met';
    await ingest(t, [
      meterReading(meterId, '2026-03-07T10:00:00Z'), // 8 days back: not made ahead, inside the horizon
      meterReading(meterId, '2026-02-12T10:00:00Z'), // NOW − 31 days: the horizon day
      meterReading(meterId, '2026-02-11T23:59:59Z'), // the day before: stays in the default partition
    ]);

    const report = await maintainOnce(t.app.get(PartitionMaintainer));

    expect([...report.created].sort()).toEqual(['meter_telemetry_p20260212', 'meter_telemetry_p20260307']);
    expect(await rowsByPartition(t.db, 'meter_telemetry', 'meter_id = $1', [meterId])).toEqual({
      meter_telemetry_default: 1,
      meter_telemetry_p20260212: 1,
      meter_telemetry_p20260307: 1,
    });
  });

  it('accepts by default, and refuses with READING_MAX_AGE_DAYS, a reading older than that many days', async () => {
    const old = meterReading('age-met', '2025-03-15T11:59:59Z'); // a year and a second before NOW
    await ingest(t, [old]);
    const strict = await createTestApp({ now: NOW, env: { READING_MAX_AGE_DAYS: '365' } });
    try {
      const res = await request(strict.server).post('/v1/telemetry').send(old).expect(400);
      expect(res.body.details).toEqual([
        { field: 'timestamp', errors: [expect.stringMatching(/more than 365 days old/)] },
      ]);
      expect(await strict.db.count('meter_telemetry')).toBe(0);
      await ingest(strict, [meterReading('age-met', '2025-03-15T12:00:01Z')]);
    } finally {
      await strict.close();
    }
  });
});

describe('partition upkeep across instances', () => {
  let t: TestApp;
  let other: NestFastifyApplication;
  let url: string;
  beforeEach(async () => {
    t = await createTestApp({ env: { PARTITION_LOCK_TIMEOUT_MS: '100', PARTITION_LOCK_RETRIES: '1' } });
    url = (t.app.get(DataSource).options as { url: string }).url;
    other = await createAppOn(url, { PARTITION_LOCK_TIMEOUT_MS: '100', PARTITION_LOCK_RETRIES: '1' });
  });
  afterEach(async () => {
    await other.close();
    await t.close();
  });

  /** Rows in the default partition for `count` days from 10 days back (inside the horizon, outside the days made ahead). */
  async function strandDays(first: number, count: number): Promise<string[]> {
    const now = t.clock.now();
    const days = Array.from({ length: count }, (_, i) => daysFrom(now, -(first + i)));
    await insertMeterHistory(
      t.db,
      days.map((day) => aMeterRow({ meterId: 'across-met', ts: day })),
    );
    return days.map((day) => partitionName('meter_telemetry', day)).sort();
  }

  it('skips a run while another instance holds the upkeep lock, and does it once the lock is free', async () => {
    const expected = await strandDays(10, 2);
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    try {
      await holder.query('SELECT pg_advisory_lock($1)', [UPKEEP_LOCK_KEY]);

      expect(await t.app.get(PartitionMaintainer).maintain()).toBeUndefined();
      expect(await t.db.count('meter_telemetry_default')).toBe(2);

      await holder.query('SELECT pg_advisory_unlock($1)', [UPKEEP_LOCK_KEY]);
    } finally {
      await holder.end();
    }
    expect((await maintainOnce(t.app.get(PartitionMaintainer))).created).toEqual(expected);
    expect(await t.db.count('meter_telemetry_default')).toBe(0);
  });

  it('defers a partition whose parent is held by a long read (lock_timeout), so that writes go on, and makes it next run', async () => {
    const [expected] = await strandDays(12, 1);
    const reader = new pg.Client({ connectionString: url });
    await reader.connect();
    try {
      await reader.query('BEGIN');
      await reader.query('SELECT count(*) FROM meter_telemetry'); // ACCESS SHARE until COMMIT

      const report = await maintainOnce(t.app.get(PartitionMaintainer));

      expect(report.deferred).toEqual([expected]);
      expect(report.created).toEqual([]);
      // Upkeep gave up its lock request: a write goes through while the read still runs.
      await ingest(t, [meterReading('across-live', new Date(Date.now() - 60_000).toISOString())]);
      await reader.query('COMMIT');
    } finally {
      await reader.end();
    }
    expect((await maintainOnce(t.app.get(PartitionMaintainer))).created).toEqual([expected]);
  });

  it('two instances maintaining at once while readings flow through both: every stranded day gets its partition, nothing lost', async () => {
    const maintainers = [t.app.get(PartitionMaintainer), other.get(PartitionMaintainer)];
    const servers = [t.server, other.getHttpServer()];
    const created: string[] = [];
    const expected: string[] = [];
    let skipped = 0;
    let flowing = true;
    const acknowledged: string[] = [];
    const flow = inParallel(4, 4, async (worker) => {
      for (let i = 0; flowing; i += 1) {
        const reading = meterReading(`flow-${worker}`, new Date(Date.now() - 60_000 - i).toISOString());
        const res = await request(servers[i % 2]!)
          .post('/v1/telemetry')
          .send(reading);
        expect(res.status).toBe(201);
        acknowledged.push(reading.timestamp);
      }
    });
    try {
      for (let round = 0; round < 5; round += 1) {
        expected.push(...(await strandDays(10 + round * 3, 3)));
        const reports = await Promise.all(maintainers.map((maintainer) => maintainer.maintain()));
        for (const report of reports) {
          if (report === undefined) skipped += 1;
          else created.push(...report.created, ...report.deferred);
        }
        // A run that was skipped left its work to the other; a deferred partition is made by the next round.
      }
      const last = await maintainOnce(maintainers[0]!);
      created.push(...last.created);
    } finally {
      flowing = false;
      await flow;
    }
    const made = [...new Set(created)].sort();
    expect(made).toEqual([...new Set(expected)].sort());
    expect(await t.db.count('meter_telemetry_default')).toBe(0);
    expect(await t.db.count('meter_telemetry', "meter_id LIKE 'flow-%'")).toBe(acknowledged.length);
    console.log(
      `partitions/two maintainers: ${made.length} partitions, ${skipped} of 10 runs skipped, ${acknowledged.length} readings acknowledged and stored`,
    );
  });
});
