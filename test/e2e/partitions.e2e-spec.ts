import request from 'supertest';
import { PartitionMaintainer } from '../../src/database/partition-maintainer.ts';
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
import { ingest } from '../support/api.ts';

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

describe('partition upkeep (no retention)', () => {
  const NOW = new Date('2026-03-15T12:00:00.000Z');
  let t: TestApp;
  let maintainer: PartitionMaintainer;
  beforeAll(async () => {
    t = await createTestApp({ now: NOW });
    maintainer = t.app.get(PartitionMaintainer);
  });
  afterAll(async () => {
    await t.close();
  });
  afterEach(() => {
    t.clock.set(NOW);
  });

  it.each(TABLES)('has made day partitions of %s from 7 days back to 7 days ahead at start-up', async (table) => {
    expect(await dayPartitions(t.db, table)).toEqual(partitionsAround(table, NOW, -7, 7));
    expect(partitionsAround(table, NOW, -7, 7)).toEqual(
      expect.arrayContaining([`${table}_p20260308`, `${table}_p20260315`, `${table}_p20260322`]),
    );
  });

  it('creates nothing more when run again right after start-up', async () => {
    expect(await maintainer.maintain()).toEqual({ created: [], dropped: [] });
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

    const report = await maintainer.maintain();

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
    expect(again.body).toEqual({ accepted: 0, duplicates: 1 });
    expect(await t.db.count('meter_telemetry', 'meter_id = $1', [meterId])).toBe(5);
  });

  it('makes partitions for far-future rows that landed in the default partition too', async () => {
    // The API refuses readings this far ahead of the clock; rows written by other means still get a home.
    await insertMeterHistory(t.db, [aMeterRow({ meterId: 'part-met-future', ts: '2026-06-01T12:00:00Z' })]);
    expect(await t.db.count('meter_telemetry_default')).toBe(1);

    const report = await maintainer.maintain();

    expect(report).toEqual({ created: ['meter_telemetry_p20260601'], dropped: [] });
    expect(await rowsByPartition(t.db, 'meter_telemetry', 'meter_id = $1', ['part-met-future'])).toEqual({
      meter_telemetry_p20260601: 1,
    });
  });

  it('is idempotent: a second run changes nothing', async () => {
    await ingest(t, [meterReading('part-met-idem', '2026-01-20T06:00:00Z')]);
    const first = await maintainer.maintain();
    expect(first.created).toEqual(['meter_telemetry_p20260120']);
    const partitions = {
      meter: await dayPartitions(t.db, 'meter_telemetry'),
      vehicle: await dayPartitions(t.db, 'vehicle_telemetry'),
    };
    const rows = { meter: await t.db.count('meter_telemetry'), vehicle: await t.db.count('vehicle_telemetry') };

    const second = await maintainer.maintain();

    expect(second).toEqual({ created: [], dropped: [] });
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

    const report = await maintainer.maintain();

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
  beforeAll(async () => {
    t = await createTestApp({ now: START, env: { RETENTION_DAYS: '3' } });
    maintainer = t.app.get(PartitionMaintainer);
  });
  afterAll(async () => {
    await t.close();
  });

  it.each(TABLES)('makes no partition of %s older than the retention cutoff at start-up', async (table) => {
    // Cutoff START − 3 days: the 7 days behind are cut to 3.
    expect(await dayPartitions(t.db, table)).toEqual(partitionsAround(table, START, -3, 7));
  });

  it('drops whole partitions older than the cutoff, keeps the cutoff day and newer, and loses no kept row', async () => {
    t.clock.set(NOW); // cutoff: 2026-03-12
    await ingest(t, [
      meterReading('ret-met', '2026-03-10T08:00:00Z'), // expires with its partition
      meterReading('ret-met', '2026-03-11T23:59:59.999999Z'), // the last instant before the cutoff day: expires
      meterReading('ret-met', '2026-03-12T00:00:00Z'), // the first instant of the cutoff day: kept
      meterReading('ret-met', '2026-03-14T09:00:00Z'), // a day not made yet: default partition, then its own
      vehicleReading('ret-veh', '2026-03-11T12:00:00Z'),
      vehicleReading('ret-veh', '2026-03-12T12:00:00Z'),
    ]);
    expect(await rowsByPartition(t.db, 'meter_telemetry', 'meter_id = $1', ['ret-met'])).toEqual({
      meter_telemetry_default: 1,
      meter_telemetry_p20260310: 1,
      meter_telemetry_p20260311: 1,
      meter_telemetry_p20260312: 1,
    });

    const report = await maintainer.maintain();

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
  });

  it('is idempotent with retention: a second run drops and creates nothing', async () => {
    const partitions = await dayPartitions(t.db, 'meter_telemetry');

    expect(await maintainer.maintain()).toEqual({ created: [], dropped: [] });
    expect(await dayPartitions(t.db, 'meter_telemetry')).toEqual(partitions);
    expect(await t.db.count('meter_telemetry', 'meter_id = $1', ['ret-met'])).toBe(2);
  });

  it('expires rows stranded in the default partition past the cutoff by giving them a partition and dropping it', async () => {
    await insertMeterHistory(t.db, [aMeterRow({ meterId: 'stranded-old', ts: '2026-02-10T06:00:00Z' })]);
    expect(await rowsByPartition(t.db, 'meter_telemetry', 'meter_id = $1', ['stranded-old'])).toEqual({
      meter_telemetry_default: 1,
    });

    const report = await maintainer.maintain();

    expect(report).toEqual({ created: ['meter_telemetry_p20260210'], dropped: ['meter_telemetry_p20260210'] });
    expect(await t.db.count('meter_telemetry', 'meter_id = $1', ['stranded-old'])).toBe(0);
    expect(await t.db.count('meter_telemetry_default')).toBe(0);
  });
});
