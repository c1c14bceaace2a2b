import { jest } from '@jest/globals';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { attributionParams } from '../../src/analytics/attribution.sql.ts';
import { attributionWindow } from '../../src/analytics/report-window.ts';
import { VEHICLE_PERFORMANCE } from '../../src/analytics/vehicle-performance.sql.ts';
import { pgPool } from '../../src/database/pg-pool.ts';
import type { PerformanceBucket, VehiclePerformance } from '../../src/analytics/dto/performance.dto.ts';
import { meterReading, vehicleReading } from '../builders/readings.builder.ts';
import { createTestApp, type TestApp } from '../setup/test-app.ts';
import { ingest, link } from '../support/api.ts';
import { expectErrorBody } from '../support/http.ts';

/** The pinned "now"; partitions exist for 7 days either side of it (older rows land in the default partition). */
const NOW = new Date('2026-03-15T12:00:00.000Z');

let seq = 0;
const uniqueId = (kind: string): string => `aw-${kind}-${++seq}`;

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ now: NOW });
});
afterAll(async () => {
  await t.close();
});
afterEach(() => {
  t.clock.set(NOW);
});

/** A linked vehicle and meter with unique ids. */
async function linkedPair(): Promise<{ vehicleId: string; meterId: string }> {
  const pair = { vehicleId: uniqueId('veh'), meterId: uniqueId('met') };
  await link(t, pair.vehicleId, pair.meterId);
  return pair;
}

async function performance(vehicleId: string, query: Record<string, string>): Promise<VehiclePerformance> {
  const res = await request(t.server).get(`/v1/analytics/performance/${vehicleId}`).query(query).expect(200);
  return res.body as VehiclePerformance;
}

const emptyBucket = (from: string, to: string): PerformanceBucket => ({
  from,
  to,
  acKwh: 0,
  dcKwh: 0,
  unlinkedDcKwh: 0,
  efficiency: null,
  avgBatteryTemp: null,
  meterReadings: 0,
  vehicleReadings: 0,
  suspectReadings: 0,
  suspectMeterReadings: 0,
  suspectVehicleReadings: 0,
  coverage: 0,
  threshold: 0.85,
  status: 'insufficient_data',
});

/** The statement's parameters for a window with day buckets, as the service passes them. */
const dayBucketParams = (vehicleId: string, from: string, to: string): unknown[] => [
  ...attributionParams(attributionWindow({ from: new Date(from), to: new Date(to) }, 86_400)),
  vehicleId,
  0.85,
  60,
  0.5,
];

describe('GET /v1/analytics/performance/:vehicleId?from=&to=', () => {
  it('sums exactly the readings in [from, to): start included, end excluded, outside left out', async () => {
    const { vehicleId, meterId } = await linkedPair();
    await ingest(t, [
      meterReading(meterId, '2026-03-13T08:00:00Z', 0.1), // exactly `from`
      meterReading(meterId, '2026-03-13T20:00:00Z', 0.2),
      meterReading(meterId, '2026-03-14T07:59:59.999999Z', 0.7), // 1 µs before `to`
      meterReading(meterId, '2026-03-14T08:00:00Z', 50), // exactly `to`
      meterReading(meterId, '2026-03-13T07:59:59.999999Z', 60),
      meterReading(meterId, '2026-03-15T11:00:00Z', 70), // in the default window, not in this one
      vehicleReading(vehicleId, '2026-03-13T08:00:00Z', 0.05, 20),
      vehicleReading(vehicleId, '2026-03-14T07:59:59.999999Z', 0.85, 30),
      vehicleReading(vehicleId, '2026-03-14T08:00:00Z', 40, 99),
    ]);

    const res = await request(t.server)
      .get(`/v1/analytics/performance/${vehicleId}`)
      .query({ from: '2026-03-13T08:00:00Z', to: '2026-03-14T08:00:00Z' })
      .expect(200);

    expect(res.body).toEqual({
      vehicleId,
      meterId,
      from: '2026-03-13T08:00:00.000Z',
      to: '2026-03-14T08:00:00.000Z',
      acKwh: 1,
      dcKwh: 0.9,
      unlinkedDcKwh: 0,
      efficiency: 0.9,
      avgBatteryTemp: 25,
      meterReadings: 3,
      vehicleReadings: 2,
      suspectReadings: 0,
      suspectMeterReadings: 0,
      suspectVehicleReadings: 0,
      coverage: 2 / 1440,
      threshold: 0.85,
      status: 'insufficient_data',
      meters: [{ meterId, from: '2026-03-13T08:00:00.000Z', to: '2026-03-14T08:00:00.000Z', acKwh: 1 }],
    });
  });

  it('reads bounds written with an offset as the same instants, and answers them in UTC', async () => {
    const { vehicleId, meterId } = await linkedPair();
    await ingest(t, [meterReading(meterId, '2026-03-14T23:30:00Z', 2)]);

    const body = await performance(vehicleId, { from: '2026-03-15T00:00:00+01:00', to: '2026-03-14T20:00:00-04:00' });

    expect(body).toMatchObject({ from: '2026-03-14T23:00:00.000Z', to: '2026-03-15T00:00:00.000Z', acKwh: 2 });
  });

  it('defaults `to` to now (the clock) when only `from` is given', async () => {
    const { vehicleId, meterId } = await linkedPair();
    await ingest(t, [
      meterReading(meterId, '2026-03-10T12:00:00Z', 1),
      meterReading(meterId, '2026-03-15T11:59:00Z', 2),
    ]);

    expect(await performance(vehicleId, { from: '2026-03-10T12:00:00Z' })).toMatchObject({
      from: '2026-03-10T12:00:00.000Z',
      to: NOW.toISOString(),
      acKwh: 3,
      meterReadings: 2,
    });
  });

  it('defaults `from` to `to` − 24 h when only `to` is given', async () => {
    const { vehicleId, meterId } = await linkedPair();
    await ingest(t, [
      meterReading(meterId, '2026-03-09T06:00:00Z', 1), // `from`
      meterReading(meterId, '2026-03-09T05:59:59Z', 4), // before it
      meterReading(meterId, '2026-03-10T05:59:00Z', 2),
    ]);

    expect(await performance(vehicleId, { to: '2026-03-10T06:00:00Z' })).toMatchObject({
      from: '2026-03-09T06:00:00.000Z',
      to: '2026-03-10T06:00:00.000Z',
      acKwh: 3,
      meterReadings: 2,
    });
  });

  it('answers the last 24 hours, without buckets, when no parameter is given (unchanged behaviour)', async () => {
    const { vehicleId, meterId } = await linkedPair();
    await ingest(t, [meterReading(meterId, '2026-03-15T11:00:00Z', 1.5)]);

    const body = await performance(vehicleId, {});

    expect(body).toEqual({
      vehicleId,
      meterId,
      from: '2026-03-14T12:00:00.000Z',
      to: NOW.toISOString(),
      acKwh: 1.5,
      dcKwh: 0,
      unlinkedDcKwh: 0,
      efficiency: 0,
      avgBatteryTemp: null,
      meterReadings: 1,
      vehicleReadings: 0,
      suspectReadings: 0,
      suspectMeterReadings: 0,
      suspectVehicleReadings: 0,
      coverage: 0,
      threshold: 0.85,
      status: 'insufficient_data', // no DC: nothing to judge, not a 0 % charger
      meters: [{ meterId, from: '2026-03-14T12:00:00.000Z', to: NOW.toISOString(), acKwh: 1.5 }],
    });
    expect(body).not.toHaveProperty('buckets');
  });
});

describe('GET /v1/analytics/performance/:vehicleId?bucket=', () => {
  it('adds every 1 h bucket of the window, empty ones as zeros and nulls, each bucket half-open', async () => {
    const { vehicleId, meterId } = await linkedPair();
    await ingest(t, [
      meterReading(meterId, '2026-03-15T06:00:00Z', 0.1), // bucket 0, its first instant
      meterReading(meterId, '2026-03-15T06:59:59.999999Z', 0.2), // bucket 0, its last instant
      meterReading(meterId, '2026-03-15T07:00:00Z', 0.4), // bucket 1
      meterReading(meterId, '2026-03-15T09:30:00Z', 0.8), // bucket 3
      meterReading(meterId, '2026-03-15T10:00:00Z', 50), // `to`: outside
      vehicleReading(vehicleId, '2026-03-15T06:30:00Z', 0.27, 20),
      vehicleReading(vehicleId, '2026-03-15T07:10:00Z', 0.2, 22),
      vehicleReading(vehicleId, '2026-03-15T07:20:00Z', 0.2, 24),
      vehicleReading(vehicleId, '2026-03-15T09:59:59Z', 0.9, 30),
    ]);

    const body = await performance(vehicleId, {
      from: '2026-03-15T06:00:00Z',
      to: '2026-03-15T10:00:00Z',
      bucket: '1h',
    });

    expect(body).toEqual({
      vehicleId,
      meterId,
      from: '2026-03-15T06:00:00.000Z',
      to: '2026-03-15T10:00:00.000Z',
      acKwh: 1.5,
      dcKwh: 1.57,
      efficiency: 1.57 / 1.5,
      avgBatteryTemp: 24,
      meterReadings: 4,
      vehicleReadings: 4,
      suspectReadings: 0,
      suspectMeterReadings: 0,
      suspectVehicleReadings: 0,
      unlinkedDcKwh: 0,
      coverage: 4 / 240,
      threshold: 0.85,
      status: 'insufficient_data',
      meters: [{ meterId, from: '2026-03-15T06:00:00.000Z', to: '2026-03-15T10:00:00.000Z', acKwh: 1.5 }],
      buckets: [
        {
          from: '2026-03-15T06:00:00.000Z',
          to: '2026-03-15T07:00:00.000Z',
          acKwh: 0.3,
          dcKwh: 0.27,
          efficiency: 0.9,
          avgBatteryTemp: 20,
          meterReadings: 2,
          vehicleReadings: 1,
          suspectReadings: 0,
          suspectMeterReadings: 0,
          suspectVehicleReadings: 0,
          unlinkedDcKwh: 0,
          coverage: 1 / 60,
          threshold: 0.85,
          status: 'insufficient_data',
        },
        {
          from: '2026-03-15T07:00:00.000Z',
          to: '2026-03-15T08:00:00.000Z',
          acKwh: 0.4,
          dcKwh: 0.4,
          efficiency: 1,
          avgBatteryTemp: 23,
          meterReadings: 1,
          vehicleReadings: 2,
          suspectReadings: 0,
          suspectMeterReadings: 0,
          suspectVehicleReadings: 0,
          unlinkedDcKwh: 0,
          coverage: 2 / 60,
          threshold: 0.85,
          status: 'insufficient_data',
        },
        emptyBucket('2026-03-15T08:00:00.000Z', '2026-03-15T09:00:00.000Z'),
        {
          from: '2026-03-15T09:00:00.000Z',
          to: '2026-03-15T10:00:00.000Z',
          acKwh: 0.8,
          dcKwh: 0.9,
          efficiency: 1.125,
          avgBatteryTemp: 30,
          meterReadings: 1,
          vehicleReadings: 1,
          suspectReadings: 0,
          suspectMeterReadings: 0,
          suspectVehicleReadings: 0,
          unlinkedDcKwh: 0,
          coverage: 1 / 60,
          threshold: 0.85,
          status: 'insufficient_data',
        },
      ],
    });
  });

  it('aligns buckets to the window start, not to clock quarters', async () => {
    const { vehicleId, meterId } = await linkedPair();
    await ingest(t, [
      meterReading(meterId, '2026-03-15T10:34:59.999Z', 1), // bucket 0: [10:20, 10:35)
      meterReading(meterId, '2026-03-15T10:35:00Z', 2), // bucket 1
      meterReading(meterId, '2026-03-15T11:19:00Z', 4), // bucket 3, the last
    ]);

    const body = await performance(vehicleId, {
      from: '2026-03-15T10:20:00Z',
      to: '2026-03-15T11:20:00Z',
      bucket: '15m',
    });

    expect(body.buckets!.map((b) => [b.from.slice(11, 16), b.to.slice(11, 16), b.acKwh])).toEqual([
      ['10:20', '10:35', 1],
      ['10:35', '10:50', 2],
      ['10:50', '11:05', 0],
      ['11:05', '11:20', 4],
    ]);
  });

  it('ends the last bucket at `to` when the width does not divide the window', async () => {
    const { vehicleId, meterId } = await linkedPair();
    await ingest(t, [
      meterReading(meterId, '2026-03-15T11:39:00Z', 3),
      meterReading(meterId, '2026-03-15T11:40:00Z', 9),
    ]);

    const body = await performance(vehicleId, {
      from: '2026-03-15T10:00:00Z',
      to: '2026-03-15T11:40:00Z',
      bucket: '1h',
    });

    expect(body.buckets).toEqual([
      emptyBucket('2026-03-15T10:00:00.000Z', '2026-03-15T11:00:00.000Z'),
      expect.objectContaining({ from: '2026-03-15T11:00:00.000Z', to: '2026-03-15T11:40:00.000Z', acKwh: 3 }),
    ]);
  });

  it('answers buckets over the default window (the last 24 hours, aligned to now)', async () => {
    const { vehicleId, meterId } = await linkedPair();
    t.clock.set('2026-03-15T11:47:30.250Z');
    await ingest(t, [meterReading(meterId, '2026-03-15T11:47:00Z', 1)]);

    const body = await performance(vehicleId, { bucket: '1h' });

    expect(body.buckets).toHaveLength(24);
    expect(body.buckets![0]!.from).toBe('2026-03-14T11:47:30.250Z');
    expect(body.buckets![23]).toMatchObject({
      from: '2026-03-15T10:47:30.250Z',
      to: '2026-03-15T11:47:30.250Z',
      acKwh: 1,
    });
  });

  it('gives totals equal to the window without buckets, and equal to the sum of the buckets', async () => {
    const { vehicleId, meterId } = await linkedPair();
    const readings: object[] = [];
    for (let minute = 0; minute < 3 * 24 * 60; minute += 7) {
      const ts = new Date(Date.parse('2026-03-11T00:00:00Z') + minute * 60_000).toISOString();
      readings.push(meterReading(meterId, ts, 0.011 + (minute % 5) / 1000));
      readings.push(vehicleReading(vehicleId, ts, 0.01, 20 + (minute % 3)));
    }
    await ingest(t, readings);
    const window = { from: '2026-03-11T03:00:00Z', to: '2026-03-13T21:00:00Z' };

    const plain = await performance(vehicleId, window);
    for (const bucket of ['15m', '1h', '1d']) {
      const bucketed = await performance(vehicleId, { ...window, bucket });
      const { buckets, ...totals } = bucketed;
      expect(totals).toEqual(plain);
      const sum = (field: 'meterReadings' | 'vehicleReadings'): number => buckets!.reduce((n, b) => n + b[field], 0);
      expect(sum('meterReadings')).toBe(plain.meterReadings);
      expect(sum('vehicleReadings')).toBe(plain.vehicleReadings);
      // kWh: the buckets are exact NUMERIC sums, so adding their (rounded) floats back only drifts in the last digits.
      expect(buckets!.reduce((n, b) => n + b.acKwh, 0)).toBeCloseTo(plain.acKwh, 9);
    }
    expect((await performance(vehicleId, { ...window, bucket: '1d' })).buckets!.map((b) => b.from)).toEqual([
      '2026-03-11T03:00:00.000Z',
      '2026-03-12T03:00:00.000Z',
      '2026-03-13T03:00:00.000Z',
    ]);
  });

  it('answers 2,976 buckets of 15 minutes for a 31-day window, and 31 of a day', async () => {
    const { vehicleId } = await linkedPair();
    const window = { from: '2026-02-12T12:00:00Z', to: '2026-03-15T12:00:00Z' };

    const quarters = await performance(vehicleId, { ...window, bucket: '15m' });
    const days = await performance(vehicleId, { ...window, bucket: '1d' });

    expect(quarters.buckets).toHaveLength(31 * 96);
    expect(quarters.buckets![2975]).toEqual(emptyBucket('2026-03-15T11:45:00.000Z', '2026-03-15T12:00:00.000Z'));
    expect(days.buckets).toHaveLength(31);
  });

  it('makes day buckets 24 h long even across a daylight-saving change in the session time zone', async () => {
    // The statement itself, in a session whose time zone changes clocks on 2026-03-08 (US): date_bin and the
    // series step in fixed seconds, so no bucket is 23 or 25 hours long.
    const { vehicleId, meterId } = await linkedPair();
    await ingest(t, [
      meterReading(meterId, '2026-03-08T11:30:00Z', 1),
      meterReading(meterId, '2026-03-09T11:30:00Z', 2),
    ]);
    const dataSource = t.app.get(DataSource);

    const rows = await dataSource.transaction(async (em) => {
      await em.query(`SET LOCAL timezone = 'America/New_York'`);
      return em.query<Array<{ kind: string; bucket_from: Date | null; bucket_to: Date | null; ac_kwh: number }>>(
        VEHICLE_PERFORMANCE,
        dayBucketParams(vehicleId, '2026-03-07T12:00:00Z', '2026-03-10T12:00:00Z'),
      );
    });

    expect(
      rows
        .filter((row) => row.kind !== 'meter')
        .map((row) => [row.bucket_from?.toISOString() ?? null, row.bucket_to?.toISOString() ?? null, row.ac_kwh]),
    ).toEqual([
      [null, null, 3],
      ['2026-03-07T12:00:00.000Z', '2026-03-08T12:00:00.000Z', 1],
      ['2026-03-08T12:00:00.000Z', '2026-03-09T12:00:00.000Z', 2],
      ['2026-03-09T12:00:00.000Z', '2026-03-10T12:00:00.000Z', 0],
    ]);
  });

  it('answers with one SQL statement, prepared and run with its generic plan, windows and buckets alike', async () => {
    const { vehicleId } = await linkedPair();
    const typeormQuery = jest.spyOn(t.app.get(DataSource), 'query'); // counts calls; the real queries run
    try {
      const before = await vehicleViewPlans();
      await performance(vehicleId, {});
      await performance(vehicleId, { bucket: '15m' });
      await performance(vehicleId, { from: '2026-03-01T00:00:00Z', to: '2026-03-08T00:00:00Z', bucket: '1d' });
      const after = await vehicleViewPlans();
      // One execution of the prepared statement per answer, each with the generic plan (from the
      // first: no five custom plans before it), none re-planned, and no other statement through TypeORM.
      expect(after.generic - before.generic).toBe(3);
      expect(after.custom).toBe(0);
      expect(typeormQuery).not.toHaveBeenCalled();
    } finally {
      typeormQuery.mockRestore();
    }
  });

  /**
   * How often the pool's connections executed the prepared vehicle view, by plan (pg_prepared_statements
   * is per connection): every connection is held at once, so each is asked once.
   */
  async function vehicleViewPlans(): Promise<{ generic: number; custom: number }> {
    const pool = pgPool(t.app.get(DataSource))!;
    const clients = await Promise.all(Array.from({ length: pool.totalCount }, () => pool.connect()));
    try {
      const counts = { generic: 0, custom: 0 };
      for (const client of clients) {
        const { rows } = await client.query<{ generic_plans: string; custom_plans: string }>(
          `SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name = 'vehicle-performance'`,
        );
        for (const row of rows) {
          counts.generic += Number(row.generic_plans);
          counts.custom += Number(row.custom_plans);
        }
      }
      return counts;
    } finally {
      clients.forEach((client) => client.release());
    }
  }

  it('answers 404 for a vehicle without a link, buckets or not', async () => {
    const res = await request(t.server)
      .get(`/v1/analytics/performance/${uniqueId('unlinked')}`)
      .query({ bucket: '1h' })
      .expect(404);

    expectErrorBody(res, 404);
  });
});

describe('window validation', () => {
  const id = 'aw-validation-veh';
  const get = (query: Record<string, string>) => request(t.server).get(`/v1/analytics/performance/${id}`).query(query);

  it.each([
    ['from after to', { from: '2026-03-15T10:00:00Z', to: '2026-03-15T09:00:00Z' }],
    ['from equal to to', { from: '2026-03-15T10:00:00Z', to: '2026-03-15T10:00:00Z' }],
    ['from after now, to defaulted', { from: '2026-03-15T12:00:00.001Z' }],
    ['a window of 31 days and 1 ms', { from: '2026-02-12T11:59:59.999Z', to: '2026-03-15T12:00:00Z' }],
    ['a window of 32 days, to defaulted', { from: '2026-02-11T12:00:00Z' }],
    ['from with microseconds', { from: '2026-03-15T10:00:00.000001Z', to: '2026-03-15T11:00:00Z' }],
  ])('answers 400 with details naming `from` for %s', async (_why, query) => {
    const res = await get(query).expect(400);

    expectErrorBody(res, 400);
    expect(res.body).toMatchObject({ details: [{ field: 'from', errors: [expect.any(String)] }] });
  });

  it('accepts a window of exactly 31 days', async () => {
    const { vehicleId } = await linkedPair();

    await request(t.server)
      .get(`/v1/analytics/performance/${vehicleId}`)
      .query({ from: '2026-02-12T12:00:00Z', to: '2026-03-15T12:00:00Z' })
      .expect(200);
  });

  it.each([
    ['from', { from: '2026-03-15T10:00:00' }], // no zone
    ['from', { from: '2026-03-15' }],
    ['to', { to: 'yesterday' }],
    ['to', { to: '1773568800000' }],
    ['to', { to: '2026-03-15T10:00:00.1234567Z' }],
    ['bucket', { bucket: '5m' }],
    ['bucket', { bucket: '1H' }],
    ['bucket', { bucket: '' }],
  ])('answers 400 with details naming `%s` for %j', async (field, query) => {
    const res = await get(query).expect(400);

    expectErrorBody(res, 400);
    expect(res.body).toMatchObject({ details: [expect.objectContaining({ field })] });
  });

  it('validates the window before looking for the link (400, not 404)', async () => {
    const res = await request(t.server)
      .get(`/v1/analytics/performance/${uniqueId('unlinked')}`)
      .query({ from: '2026-03-15T10:00:00Z', to: '2026-03-15T09:00:00Z' })
      .expect(400);

    expect(res.body).toMatchObject({ message: expect.stringContaining('from must be before to') });
  });
});

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

const planNodes = (plan: PlanNode): PlanNode[] => [plan, ...(plan.Plans ?? []).flatMap(planNodes)];

describe('the bucketed statement plan (STYLE R14)', () => {
  /** EXPLAIN of the service's statement with the parameters the service passes; seq scans penalised (tiny tables). */
  async function explain(from: string, to: string): Promise<PlanNode> {
    return t.app.get(DataSource).transaction(async (em) => {
      await em.query('SET LOCAL enable_seqscan = off');
      const [row] = await em.query<Array<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>>(
        `EXPLAIN (FORMAT JSON) ${VEHICLE_PERFORMANCE}`,
        [
          ...attributionParams(attributionWindow({ from: new Date(from), to: new Date(to) }, 900)),
          'aw-plan-veh',
          0.85,
          60,
          0.5,
        ],
      );
      return row!['QUERY PLAN'][0]!.Plan;
    });
  }

  it.each(['meter_telemetry', 'vehicle_telemetry'])(
    'reads only the day partitions of %s that the window spans, each once, through the primary key',
    async (table) => {
      const plan = await explain('2026-03-14T12:00:00Z', '2026-03-15T12:00:00Z');

      // 15-minute buckets cut hours: every reading is read raw (the roll-ups are hourly).
      const scans = planNodes(plan).filter((node) => node['Relation Name']?.startsWith(table));
      expect([...new Set(scans.map((node) => node['Relation Name']))].sort()).toEqual([
        `${table}_p20260314`,
        `${table}_p20260315`,
      ]);
      for (const scan of scans) {
        const index =
          scan['Index Name'] ??
          planNodes(scan).find((node) => node['Node Type'] === 'Bitmap Index Scan')?.['Index Name'];
        expect(index).toBe(`${scan['Relation Name']}_pkey`);
      }
    },
  );
});
