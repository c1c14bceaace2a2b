import request from 'supertest';
import { DataSource } from 'typeorm';
import { attributionParams } from '../../src/analytics/attribution.sql.ts';
import { FLEET_PERFORMANCE } from '../../src/analytics/fleet.sql.ts';
import { attributionWindow } from '../../src/analytics/report-window.ts';
import { validateEnv } from '../../src/config/env.schema.ts';
import type { FleetReport } from '../../src/analytics/dto/fleet.dto.ts';
import { meterReading, vehicleReading } from '../builders/readings.builder.ts';
import { createTestApp, type TestApp } from '../setup/test-app.ts';
import { ingest, link, postTelemetry } from '../support/api.ts';
import { expectErrorBody } from '../support/http.ts';

/**
 * GET /v1/analytics/fleet: every vehicle linked in a window of whole UTC hours, under the attribution
 * rule, from the hourly roll-ups that the writer keeps. Readings go in through the API (the only path
 * that maintains the roll-ups). The seeded fleet reports a handful of readings, not one a minute, so
 * the ranking tests run with MIN_COVERAGE=0 (coverage has its own test below); without DC or AC a
 * vehicle is still `insufficient_data`, ranked after the judged ones.
 */
const RANKING_ENV = { MIN_COVERAGE: '0' };

/** The pinned "now", on the hour: the default window is [NOW − 24 h, NOW). */
const NOW = new Date('2026-03-15T12:00:00.000Z');

async function fleet(t: TestApp, query: Record<string, string | number> = {}): Promise<FleetReport> {
  const res = await request(t.server).get('/v1/analytics/fleet').query(query).expect(200);
  return res.body as FleetReport;
}

/**
 * A small fleet in the window [2026-03-14T12:00Z, 2026-03-15T12:00Z), with efficiencies:
 * i 0.25 and h 0.9 (sharing a depot meter, charging in different hours), a and g 0.8 (a tie),
 * c exactly 0.85, b 0.95; not judged: e 0 (AC, no DC: never plugged in), d null (DC but no AC),
 * f null (linked, silent). x has readings but no link.
 */
async function seedFleet(t: TestApp): Promise<void> {
  const pairs: Array<[string, string]> = [
    ['fl-a', 'm-a'],
    ['fl-b', 'm-b'],
    ['fl-c', 'm-c'],
    ['fl-d', 'm-d'],
    ['fl-e', 'm-e'],
    ['fl-f', 'm-f'],
    ['fl-g', 'm-g'],
    ['fl-h', 'm-depot'],
    ['fl-i', 'm-depot'],
  ];
  for (const [vehicleId, meterId] of pairs) await link(t, vehicleId, meterId);
  await ingest(t, [
    meterReading('m-a', '2026-03-14T12:00:00Z', 0.4), // the window's first instant
    meterReading('m-a', '2026-03-15T11:59:59.999999Z', 0.6), // its last
    vehicleReading('fl-a', '2026-03-14T18:00:00Z', 0.5, 20),
    vehicleReading('fl-a', '2026-03-15T06:00:00Z', 0.3, 30),
    meterReading('m-b', '2026-03-15T01:00:00Z', 2),
    meterReading('m-b', '2026-03-14T11:59:59.999999Z', 50), // before the window
    meterReading('m-b', '2026-03-15T12:00:00Z', 60), // at its end: outside
    vehicleReading('fl-b', '2026-03-15T01:00:00Z', 1.9, 31),
    vehicleReading('fl-b', '2026-03-15T12:00:00Z', 40, 99), // outside
    meterReading('m-c', '2026-03-15T02:00:00Z', 1),
    vehicleReading('fl-c', '2026-03-15T02:00:00Z', 0.85, 22),
    vehicleReading('fl-d', '2026-03-15T03:00:00Z', 1, 24),
    meterReading('m-e', '2026-03-15T04:00:00Z', 1.5),
    meterReading('m-g', '2026-03-15T05:00:00Z', 0.5),
    vehicleReading('fl-g', '2026-03-15T05:00:00Z', 0.4, 26),
    meterReading('m-depot', '2026-03-15T07:00:00Z', 4), // h charges in this hour (i reports nothing)
    meterReading('m-depot', '2026-03-15T08:00:00Z', 4), // i charges in this one
    vehicleReading('fl-h', '2026-03-15T07:00:00Z', 3.6, 28),
    vehicleReading('fl-i', '2026-03-15T08:00:00Z', 1, 29),
    meterReading('m-x', '2026-03-15T09:00:00Z', 1),
    vehicleReading('fl-x', '2026-03-15T09:00:00Z', 0.1, 40),
  ]);
}

const EXPECTED_ORDER = ['fl-i', 'fl-a', 'fl-g', 'fl-c', 'fl-h', 'fl-b', 'fl-e', 'fl-d', 'fl-f'];

describe('GET /v1/analytics/fleet', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ now: NOW, env: RANKING_ENV });
    await seedFleet(t);
  });
  afterAll(async () => {
    await t.close();
  });
  afterEach(() => {
    t.clock.set(NOW);
  });

  it('ranks judged vehicles worst efficiency first (ties by id), then those without enough data, and flags those below 0.85', async () => {
    const res = await request(t.server).get('/v1/analytics/fleet').expect(200);

    expect(res.body).toEqual({
      from: '2026-03-14T12:00:00.000Z',
      to: '2026-03-15T12:00:00.000Z',
      threshold: 0.85,
      total: 9,
      totalBelowThreshold: 3,
      totalInsufficientData: 3,
      matching: 9,
      limit: 100,
      offset: 0,
      nextOffset: null,
      items: [
        {
          vehicleId: 'fl-i',
          meterId: 'm-depot',
          acKwh: 4,
          dcKwh: 1,
          unlinkedDcKwh: 0,
          efficiency: 0.25,
          avgBatteryTemp: 29,
          meterReadings: 2, // both depot readings, taken while it was linked
          vehicleReadings: 1,
          suspectReadings: 0,
          suspectMeterReadings: 0,
          suspectVehicleReadings: 0,
          coverage: 1 / 1440,
          threshold: 0.85,
          status: 'below_threshold',
          belowThreshold: true,
        },
        {
          vehicleId: 'fl-a',
          meterId: 'm-a',
          acKwh: 1,
          dcKwh: 0.8,
          unlinkedDcKwh: 0,
          efficiency: 0.8,
          avgBatteryTemp: 25,
          meterReadings: 2,
          vehicleReadings: 2,
          suspectReadings: 0,
          suspectMeterReadings: 0,
          suspectVehicleReadings: 0,
          coverage: 2 / 1440,
          threshold: 0.85,
          status: 'below_threshold',
          belowThreshold: true,
        },
        {
          vehicleId: 'fl-g',
          meterId: 'm-g',
          acKwh: 0.5,
          dcKwh: 0.4,
          unlinkedDcKwh: 0,
          efficiency: 0.8,
          avgBatteryTemp: 26,
          meterReadings: 1,
          vehicleReadings: 1,
          suspectReadings: 0,
          suspectMeterReadings: 0,
          suspectVehicleReadings: 0,
          coverage: 1 / 1440,
          threshold: 0.85,
          status: 'below_threshold',
          belowThreshold: true,
        },
        {
          vehicleId: 'fl-c',
          meterId: 'm-c',
          acKwh: 1,
          dcKwh: 0.85,
          unlinkedDcKwh: 0,
          efficiency: 0.85,
          avgBatteryTemp: 22,
          meterReadings: 1,
          vehicleReadings: 1,
          suspectReadings: 0,
          suspectMeterReadings: 0,
          suspectVehicleReadings: 0,
          coverage: 1 / 1440,
          threshold: 0.85,
          status: 'ok', // exactly at the threshold is not below it
          belowThreshold: false,
        },
        {
          vehicleId: 'fl-h',
          meterId: 'm-depot',
          acKwh: 4,
          dcKwh: 3.6,
          unlinkedDcKwh: 0,
          efficiency: 0.9,
          avgBatteryTemp: 28,
          meterReadings: 2, // both depot readings, taken while it was linked
          vehicleReadings: 1,
          suspectReadings: 0,
          suspectMeterReadings: 0,
          suspectVehicleReadings: 0,
          coverage: 1 / 1440,
          threshold: 0.85,
          status: 'ok',
          belowThreshold: false,
        },
        {
          vehicleId: 'fl-b',
          meterId: 'm-b',
          acKwh: 2,
          dcKwh: 1.9,
          unlinkedDcKwh: 0,
          efficiency: 0.95,
          avgBatteryTemp: 31,
          meterReadings: 1,
          vehicleReadings: 1,
          suspectReadings: 0,
          suspectMeterReadings: 0,
          suspectVehicleReadings: 0,
          coverage: 1 / 1440,
          threshold: 0.85,
          status: 'ok',
          belowThreshold: false,
        },
        {
          vehicleId: 'fl-e',
          meterId: 'm-e',
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
          coverage: 0 / 1440,
          threshold: 0.85,
          status: 'insufficient_data',
          belowThreshold: false,
        },
        {
          vehicleId: 'fl-d',
          meterId: 'm-d',
          acKwh: 0,
          dcKwh: 1,
          unlinkedDcKwh: 0,
          efficiency: null,
          avgBatteryTemp: 24,
          meterReadings: 0,
          vehicleReadings: 1,
          suspectReadings: 0,
          suspectMeterReadings: 0,
          suspectVehicleReadings: 0,
          coverage: 1 / 1440,
          threshold: 0.85,
          status: 'insufficient_data',
          belowThreshold: false,
        },
        {
          vehicleId: 'fl-f',
          meterId: 'm-f',
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
          coverage: 0 / 1440,
          threshold: 0.85,
          status: 'insufficient_data',
          belowThreshold: false,
        },
      ],
    });
    expect(res.text).toContain('"acKwh":1.5,');
    expect(res.text).not.toContain('fl-x'); // readings, but no link
  });

  it('pages with limit and offset: every vehicle once, in order, totals on every page', async () => {
    const pages: FleetReport[] = [];
    let offset: number | null = 0;
    while (offset !== null) {
      const body: FleetReport = await fleet(t, { limit: 4, offset });
      pages.push(body);
      offset = body.nextOffset;
    }

    expect(pages.map((page) => page.items.map((item) => item.vehicleId))).toEqual([
      EXPECTED_ORDER.slice(0, 4),
      EXPECTED_ORDER.slice(4, 8),
      EXPECTED_ORDER.slice(8),
    ]);
    expect(pages.map((page) => [page.offset, page.nextOffset, page.total, page.totalBelowThreshold])).toEqual([
      [0, 4, 9, 3],
      [4, 8, 9, 3],
      [8, null, 9, 3],
    ]);
  });

  it('filters by status and by meter; the totals still count the whole report', async () => {
    const below = await fleet(t, { status: 'below_threshold' });
    expect(below.items.map((item) => item.vehicleId)).toEqual(['fl-i', 'fl-a', 'fl-g']);
    expect(below).toMatchObject({ total: 9, matching: 3, nextOffset: null });

    const insufficient = await fleet(t, { status: 'insufficient_data', limit: 2 });
    expect(insufficient.items.map((item) => item.vehicleId)).toEqual(['fl-e', 'fl-d']);
    expect(insufficient).toMatchObject({ matching: 3, nextOffset: 2 });

    const depot = await fleet(t, { meterId: 'm-depot' });
    expect(depot.items.map((item) => item.vehicleId)).toEqual(['fl-i', 'fl-h']);
    expect(depot).toMatchObject({ total: 2, matching: 2 });
  });

  it('answers nextOffset null when the last page is exactly full, and an empty page with totals past the end', async () => {
    expect((await fleet(t, { limit: 9 })).nextOffset).toBeNull();
    expect(await fleet(t, { offset: 50 })).toMatchObject({
      total: 9,
      totalBelowThreshold: 3,
      items: [],
      nextOffset: null,
    });
  });

  it('agrees with the per-vehicle report computed from raw readings over the same window', async () => {
    const window = { from: '2026-03-14T12:00:00Z', to: '2026-03-15T12:00:00Z' };
    const { items } = await fleet(t, window);

    for (const item of items) {
      const res = await request(t.server).get(`/v1/analytics/performance/${item.vehicleId}`).query(window).expect(200);
      const raw = res.body as Record<string, unknown>;
      const compared = [
        'vehicleId',
        'meterId',
        'acKwh',
        'dcKwh',
        'unlinkedDcKwh',
        'efficiency',
        'meterReadings',
        'vehicleReadings',
        'coverage',
        'status',
      ] as const;
      for (const field of compared) expect([field, item[field]]).toEqual([field, raw[field]]);
      // Σ temperature / Σ readings from the roll-ups against avg() over the rows: equal up to float rounding.
      if (item.avgBatteryTemp === null) expect(raw.avgBatteryTemp).toBeNull();
      else expect(item.avgBatteryTemp).toBeCloseTo(raw.avgBatteryTemp as number, 9);
    }
  });

  it('counts the current hour up to now: the default window ends at the end of the current hour', async () => {
    t.clock.set('2026-03-15T12:20:00Z');
    await postTelemetry(t, [
      meterReading('m-f', '2026-03-15T12:10:00Z', 2),
      vehicleReading('fl-f', '2026-03-15T12:10:00Z', 1.8),
    ]);

    const body = await fleet(t);

    expect(body).toMatchObject({ from: '2026-03-14T13:00:00.000Z', to: '2026-03-15T13:00:00.000Z' });
    expect(body.items.find((item) => item.vehicleId === 'fl-f')).toMatchObject({
      acKwh: 2,
      dcKwh: 1.8,
      efficiency: 0.9,
    });
    // The 12:00 hour of the 14th left the window: m-a's reading at 12:00:00 no longer counts.
    expect(body.items.find((item) => item.vehicleId === 'fl-a')).toMatchObject({ acKwh: 0.6, meterReadings: 1 });
    // fl-b's readings at 12:00 on the 15th, outside the earlier window, now count.
    expect(body.items.find((item) => item.vehicleId === 'fl-b')).toMatchObject({ acKwh: 62, dcKwh: 41.9 });
  });

  it('takes a late reading into its own earlier hour, and a re-sent one not at all', async () => {
    const window = { from: '2026-03-14T12:00:00Z', to: '2026-03-15T12:00:00Z' };
    const before = (await fleet(t, window)).items.find((item) => item.vehicleId === 'fl-g')!;

    expect(await postTelemetry(t, [meterReading('m-g', '2026-03-14T15:45:00Z', 0.25)])).toEqual({
      accepted: 1,
      duplicates: 0,
      suspect: 0,
      conflicts: 0,
    });
    expect(
      await postTelemetry(t, [
        meterReading('m-g', '2026-03-14T15:45:00Z', 0.25),
        meterReading('m-g', '2026-03-15T05:00:00Z', 0.5),
      ]),
    ).toEqual({
      accepted: 0,
      duplicates: 2,
      suspect: 0,
      conflicts: 0,
    });

    const after = (await fleet(t, window)).items.find((item) => item.vehicleId === 'fl-g')!;
    expect(before).toMatchObject({ acKwh: 0.5, meterReadings: 1 });
    expect(after).toMatchObject({ acKwh: 0.75, meterReadings: 2, dcKwh: 0.4 });
    // Only the earlier hour's window sees it.
    const onlyThatHour = await fleet(t, { from: '2026-03-14T15:00:00Z', to: '2026-03-14T16:00:00Z' });
    expect(onlyThatHour.items.find((item) => item.vehicleId === 'fl-g')).toMatchObject({
      acKwh: 0.25,
      dcKwh: 0,
      efficiency: 0,
    });
  });

  it('keeps the past on the old meter when a link is re-pointed now (no retroactive re-pointing)', async () => {
    await link(t, 'fl-j', 'm-j1');
    await postTelemetry(t, [
      meterReading('m-j1', '2026-03-15T10:00:00Z', 1),
      meterReading('m-j2', '2026-03-15T10:00:00Z', 2),
      vehicleReading('fl-j', '2026-03-15T10:00:00Z', 0.9),
    ]);
    const before = (await fleet(t, { limit: 1000 })).items.find((item) => item.vehicleId === 'fl-j');
    expect(before).toMatchObject({ meterId: 'm-j1', acKwh: 1, efficiency: 0.9 });

    await request(t.server).post('/v1/links').send({ vehicleId: 'fl-j', meterId: 'm-j2' }).expect(200);

    // The new period starts now (12:00), at the window's end: the window's numbers do not change.
    expect((await fleet(t, { limit: 1000 })).items.find((item) => item.vehicleId === 'fl-j')).toEqual(before);
  });

  it('accepts bounds on the hour written with a whole-hour offset', async () => {
    expect(await fleet(t, { from: '2026-03-15T03:00:00+01:00', to: '2026-03-15T04:00:00+01:00' })).toMatchObject({
      from: '2026-03-15T02:00:00.000Z',
      to: '2026-03-15T03:00:00.000Z',
      totalBelowThreshold: 0,
    });
  });
});

describe('GET /v1/analytics/fleet with FLEET_EFFICIENCY_ALERT_THRESHOLD=0.9', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ now: NOW, env: { ...RANKING_ENV, FLEET_EFFICIENCY_ALERT_THRESHOLD: '0.9' } });
    await seedFleet(t);
  });
  afterAll(async () => {
    await t.close();
  });

  it('flags against the configured threshold and answers it', async () => {
    const body = await fleet(t);

    expect(body.threshold).toBe(0.9);
    expect(body.totalBelowThreshold).toBe(4);
    expect(body.items.filter((item) => item.belowThreshold).map((item) => item.vehicleId)).toEqual([
      'fl-i',
      'fl-a',
      'fl-g',
      'fl-c',
    ]);
    expect(body.items.find((item) => item.vehicleId === 'fl-h')).toMatchObject({
      efficiency: 0.9,
      belowThreshold: false,
    });
  });

  it('answers zeros and nulls for every linked vehicle in a window without data', async () => {
    expect(await fleet(t, { from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z', limit: 2 })).toMatchObject({
      total: 9,
      totalBelowThreshold: 0,
      nextOffset: 2,
      items: [
        expect.objectContaining({ vehicleId: 'fl-a', acKwh: 0, efficiency: null, belowThreshold: false }),
        expect.objectContaining({ vehicleId: 'fl-b', acKwh: 0, efficiency: null, belowThreshold: false }),
      ],
    });
  });
});

describe('fleet report validation', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ now: NOW });
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers a report with no vehicles when nothing is linked', async () => {
    expect(await fleet(t)).toEqual({
      from: '2026-03-14T12:00:00.000Z',
      to: '2026-03-15T12:00:00.000Z',
      threshold: 0.85,
      total: 0,
      totalBelowThreshold: 0,
      totalInsufficientData: 0,
      matching: 0,
      limit: 100,
      offset: 0,
      nextOffset: null,
      items: [],
    });
  });

  it.each([
    ['from', { from: '2026-03-15T10:30:00Z' }],
    ['from', { from: '2026-03-15T10:00:00.001Z', to: '2026-03-15T11:00:00Z' }],
    ['from', { from: '2026-03-15T10:00:00+05:30', to: '2026-03-15T11:00:00Z' }], // a local whole hour, not a UTC one
    ['to', { from: '2026-03-15T10:00:00Z', to: '2026-03-15T11:00:01Z' }],
    ['from', { from: '2026-03-15T11:00:00Z', to: '2026-03-15T10:00:00Z' }],
    ['from', { from: '2026-03-15T10:00:00Z', to: '2026-03-15T10:00:00Z' }],
    ['from', { from: '2026-02-12T11:00:00Z', to: '2026-03-15T12:00:00Z' }], // 31 days and an hour
    ['from', { from: '2026-02-01T00:00:00Z' }], // to defaulted
    ['from', { from: 'yesterday' }],
    ['to', { to: '2026-03-15T10:00:00' }],
    ['limit', { limit: '0' }],
    ['limit', { limit: '1001' }],
    ['limit', { limit: 'ten' }],
    ['offset', { offset: '-1' }],
    ['offset', { offset: '1.5' }],
    ['status', { status: 'bad' }],
    ['meterId', { meterId: 'bad id' }],
  ])('answers 400 with details naming `%s` for %j', async (field, query) => {
    const res = await request(t.server).get('/v1/analytics/fleet').query(query).expect(400);

    expectErrorBody(res, 400);
    expect(res.body).toMatchObject({ details: [expect.objectContaining({ field })] });
  });

  it('accepts a window of exactly 31 days', async () => {
    expect(await fleet(t, { from: '2026-02-12T12:00:00Z', to: '2026-03-15T12:00:00Z' })).toMatchObject({ total: 0 });
  });
});

describe('FLEET_EFFICIENCY_ALERT_THRESHOLD', () => {
  it.each(['-0.1', '1.01', 'abc', 'Infinity'])('refuses %j at start-up, naming the variable', (value) => {
    expect(() => validateEnv({ FLEET_EFFICIENCY_ALERT_THRESHOLD: value })).toThrow(/FLEET_EFFICIENCY_ALERT_THRESHOLD/);
  });

  it('defaults to 0.85 and reads a decimal', () => {
    expect(validateEnv({}).FLEET_EFFICIENCY_ALERT_THRESHOLD).toBe(0.85);
    expect(validateEnv({ FLEET_EFFICIENCY_ALERT_THRESHOLD: '0.9' }).FLEET_EFFICIENCY_ALERT_THRESHOLD).toBe(0.9);
  });
});

describe('the fleet statement plan (STYLE R14)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ now: NOW });
  });
  afterAll(async () => {
    await t.close();
  });

  interface PlanNode {
    'Node Type': string;
    'Relation Name'?: string;
    'Index Name'?: string;
    'Actual Rows'?: number;
    Plans?: PlanNode[];
  }
  const planNodes = (plan: PlanNode): PlanNode[] => [plan, ...(plan.Plans ?? []).flatMap(planNodes)];

  it('reads only the roll-ups, never the raw history, and reaches a day of them through the hour index', async () => {
    // 60 days of roll-ups for 20 devices (rows written directly: only the plan matters here), so that a
    // one-day window is selective, as it is in a database that keeps history.
    await t.db.query(`
      INSERT INTO meter_hourly (meter_id, hour, kwh, readings)
      SELECT 'plan-m' || d, h, 1, 60 FROM generate_series(1, 20) d,
        generate_series(timestamptz '2026-01-15T00:00:00Z', timestamptz '2026-03-15T23:00:00Z', interval '1 hour') h`);
    await t.db.query(`
      INSERT INTO vehicle_hourly (vehicle_id, hour, kwh, battery_temp_sum, readings)
      SELECT 'plan-v' || d, h, 1, 1500, 60 FROM generate_series(1, 20) d,
        generate_series(timestamptz '2026-01-15T00:00:00Z', timestamptz '2026-03-15T23:00:00Z', interval '1 hour') h`);
    await t.db.query('ANALYZE meter_hourly');
    await t.db.query('ANALYZE vehicle_hourly');

    const window = attributionWindow({ from: new Date('2026-03-14T12:00:00Z'), to: new Date('2026-03-15T12:00:00Z') });
    const [row] = await t.app
      .get(DataSource)
      .query<Array<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>>(
        `EXPLAIN (ANALYZE, FORMAT JSON) ${FLEET_PERFORMANCE}`,
        [...attributionParams(window), 0.85, 100, 0, 60, 0.5, null, null, window.from, [], []],
      );
    const plan = row!['QUERY PLAN'][0]!.Plan;

    // Raw history is read only for hours in which a link changed mid-hour: planned, but no row read here.
    const rawRows = planNodes(plan)
      .filter((node) => node['Relation Name']?.includes('telemetry'))
      .reduce((sum, node) => sum + Number(node['Actual Rows'] ?? 0), 0);
    expect(rawRows).toBe(0);
    const relations = new Set(planNodes(plan).flatMap((node) => node['Relation Name'] ?? []));
    expect([...relations].filter((name) => !name.includes('telemetry')).sort()).toEqual([
      'attributed_hourly', // the snapshots' slices (none here: the window is read live)
      'devices', // the registry's efficiency thresholds
      'link_periods',
      'meter_hourly',
      'vehicle_hourly',
    ]);
    const indexes = planNodes(plan).flatMap((node) => node['Index Name'] ?? []);
    expect(indexes).toEqual(expect.arrayContaining(['meter_hourly_hour_idx', 'vehicle_hourly_hour_idx']));
  });
});
