import request from 'supertest';
import type { FleetReport } from '../../src/analytics/dto/fleet.dto.ts';
import type { MeterPerformance } from '../../src/analytics/dto/meter-performance.dto.ts';
import type { VehiclePerformance } from '../../src/analytics/dto/performance.dto.ts';
import { meterReading, vehicleReading } from '../builders/readings.builder.ts';
import { createTestApp, type TestApp } from '../setup/test-app.ts';
import { ingest } from '../support/api.ts';
import { expectErrorBody } from '../support/http.ts';

/**
 * `tz`: day buckets that follow a zone's calendar days (23 and 25 hours on DST changes), and the
 * fleet report's `?day=&tz=` local-day window. Europe/Berlin changes clocks on 2026-03-29 (02:00
 * → 03:00) and 2026-10-25 (03:00 → 02:00); Asia/Kolkata is +05:30 all year.
 */
let seq = 0;
const id = (kind: string): string => `tz-${kind}-${++seq}`;
const HOUR = 3_600_000;

async function linked(t: TestApp): Promise<{ vehicleId: string; meterId: string }> {
  const pair = { vehicleId: id('veh'), meterId: id('met') };
  await request(t.server).post('/v1/links').send(pair).expect(201);
  return pair;
}

const spans = (buckets: Array<{ from: string; to: string; acKwh: number }>): Array<[string, string, number, number]> =>
  buckets.map((b) => [b.from, b.to, (Date.parse(b.to) - Date.parse(b.from)) / HOUR, b.acKwh]);

describe('spring forward (Europe/Berlin, 2026-03-29)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ now: new Date('2026-03-31T12:00:00.000Z') });
  });
  afterAll(async () => {
    await t.close();
  });

  it('makes local days of 24, 23 and 24 hours, and puts each reading in its local day', async () => {
    const { vehicleId, meterId } = await linked(t);
    await ingest(t, [
      meterReading(meterId, '2026-03-28T22:59:59Z', 1), // 23:59:59 local on the 28th
      meterReading(meterId, '2026-03-28T23:00:00Z', 2), // 00:00 local on the 29th
      meterReading(meterId, '2026-03-29T21:59:00Z', 4), // 23:59 local (CEST) on the 29th
      meterReading(meterId, '2026-03-29T22:30:00Z', 8), // 00:30 local on the 30th
      vehicleReading(vehicleId, '2026-03-29T01:30:00Z', 1.5),
    ]);

    const res = await request(t.server)
      .get(`/v1/analytics/performance/${vehicleId}`)
      .query({ from: '2026-03-27T23:00:00Z', to: '2026-03-30T22:00:00Z', bucket: '1d', tz: 'Europe/Berlin' })
      .expect(200);
    const body = res.body as VehiclePerformance;

    expect(spans(body.buckets!)).toEqual([
      ['2026-03-27T23:00:00.000Z', '2026-03-28T23:00:00.000Z', 24, 1],
      ['2026-03-28T23:00:00.000Z', '2026-03-29T22:00:00.000Z', 23, 6],
      ['2026-03-29T22:00:00.000Z', '2026-03-30T22:00:00.000Z', 24, 8],
    ]);
    expect(body.buckets![1]!.dcKwh).toBe(1.5);
    expect(body.acKwh).toBe(15);
  });

  it('keeps 24-hour buckets from `from` without tz (unchanged behaviour)', async () => {
    const { vehicleId } = await linked(t);

    const body = (
      await request(t.server)
        .get(`/v1/analytics/performance/${vehicleId}`)
        .query({ from: '2026-03-27T23:00:00Z', to: '2026-03-30T22:00:00Z', bucket: '1d' })
        .expect(200)
    ).body as VehiclePerformance;

    expect(body.buckets!.map((b) => (Date.parse(b.to) - Date.parse(b.from)) / HOUR)).toEqual([24, 24, 23]);
  });

  it('answers the fleet report for a local day of 23 hours', async () => {
    const { vehicleId, meterId } = await linked(t);
    await ingest(t, [
      meterReading(meterId, '2026-03-29T12:00:00Z', 3),
      vehicleReading(vehicleId, '2026-03-29T12:00:00Z', 2.7),
    ]);

    const body = (
      await request(t.server)
        .get('/v1/analytics/fleet')
        .query({ day: '2026-03-29', tz: 'Europe/Berlin', limit: 1000 })
        .expect(200)
    ).body as FleetReport;

    expect(body).toMatchObject({ from: '2026-03-28T23:00:00.000Z', to: '2026-03-29T22:00:00.000Z' });
    expect(body.items.find((item) => item.vehicleId === vehicleId)).toMatchObject({ acKwh: 3, dcKwh: 2.7 });
  });

  it('answers day buckets of a half-hour zone from raw readings, at its own midnights', async () => {
    const { meterId } = await linked(t);
    await ingest(t, [
      meterReading(meterId, '2026-03-29T18:29:59Z', 1), // 23:59:59 in Kolkata on the 29th
      meterReading(meterId, '2026-03-29T18:30:00Z', 2), // 00:00 on the 30th
    ]);

    const body = (
      await request(t.server)
        .get(`/v1/analytics/meters/${meterId}`)
        .query({ from: '2026-03-28T18:30:00Z', to: '2026-03-30T18:30:00Z', bucket: '1d', tz: 'Asia/Kolkata' })
        .expect(200)
    ).body as MeterPerformance;

    expect(spans(body.buckets!)).toEqual([
      ['2026-03-28T18:30:00.000Z', '2026-03-29T18:30:00.000Z', 24, 1],
      ['2026-03-29T18:30:00.000Z', '2026-03-30T18:30:00.000Z', 24, 2],
    ]);
  });

  it('refuses a fleet local day of a half-hour zone with 400 naming tz (the roll-ups are hourly)', async () => {
    const res = await request(t.server)
      .get('/v1/analytics/fleet')
      .query({ day: '2026-03-29', tz: 'Asia/Kolkata' })
      .expect(400);

    expectErrorBody(res, 400);
    expect(res.body).toMatchObject({
      details: [{ field: 'tz', errors: [expect.stringContaining('whole number of hours')] }],
    });
  });

  it.each([
    ['tz', '/v1/analytics/performance/tz-any', { bucket: '1d', tz: 'Mars/Olympus' }],
    ['tz', '/v1/analytics/meters/tz-any', { tz: 'CEST' }],
    ['day', '/v1/analytics/fleet', { day: '2026-02-30x' }],
    ['day', '/v1/analytics/fleet', { day: '2026-03-29', from: '2026-03-29T00:00:00Z' }],
  ])('answers 400 naming %s for %s %j', async (field, path, query) => {
    const res = await request(t.server).get(path).query(query).expect(400);

    expectErrorBody(res, 400);
    expect(res.body).toMatchObject({ details: [expect.objectContaining({ field })] });
  });
});

describe('fall back (Europe/Berlin, 2026-10-25)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ now: new Date('2026-10-27T12:00:00.000Z') });
  });
  afterAll(async () => {
    await t.close();
  });

  it('makes the local day of the change 25 hours long, in buckets and in the fleet report', async () => {
    const { vehicleId, meterId } = await linked(t);
    await ingest(t, [
      meterReading(meterId, '2026-10-24T22:00:00Z', 1),
      meterReading(meterId, '2026-10-25T22:59:00Z', 2),
    ]);

    const buckets = (
      await request(t.server)
        .get(`/v1/analytics/performance/${vehicleId}`)
        .query({ from: '2026-10-24T22:00:00Z', to: '2026-10-26T23:00:00Z', bucket: '1d', tz: 'Europe/Berlin' })
        .expect(200)
    ).body as VehiclePerformance;
    expect(spans(buckets.buckets!)).toEqual([
      ['2026-10-24T22:00:00.000Z', '2026-10-25T23:00:00.000Z', 25, 3],
      ['2026-10-25T23:00:00.000Z', '2026-10-26T23:00:00.000Z', 24, 0],
    ]);

    const fleet = (
      await request(t.server).get('/v1/analytics/fleet').query({ day: '2026-10-25', tz: 'Europe/Berlin' }).expect(200)
    ).body as FleetReport;
    expect(fleet).toMatchObject({ from: '2026-10-24T22:00:00.000Z', to: '2026-10-25T23:00:00.000Z' });
  });
});
