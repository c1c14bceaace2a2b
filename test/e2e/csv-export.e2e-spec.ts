import { parse } from 'csv-parse/sync';
import request from 'supertest';
import { meterReading, vehicleReading } from '../builders/readings.builder.ts';
import { createTestApp, type TestApp } from '../setup/test-app.ts';
import { ingest, link, postTelemetry } from '../support/api.ts';
import { expectErrorBody } from '../support/http.ts';

/**
 * CSV exports of the analytics answers: `Accept: text/csv` or `?format=csv`, a header row, the
 * same rows and numbers as the JSON answer for the same query; the fleet export may be larger than
 * a JSON page and is streamed (chunked); errors keep the JSON error shape.
 */

const NOW = new Date('2026-03-15T12:00:00.000Z');
const WINDOW = { from: '2026-03-15T00:00:00Z', to: '2026-03-15T12:00:00Z' };
let t: TestApp;

const rowsOf = (text: string): Array<Record<string, string>> => parse<Record<string, string>>(text, { columns: true });
const field = (value: unknown): string =>
  value === null || value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : `${value as string}`;

beforeAll(async () => {
  t = await createTestApp({ now: NOW, env: { MIN_COVERAGE: '0' } });
  const readings = [];
  for (let i = 0; i < 30; i += 1) {
    const vehicle = `csv-v${String(i).padStart(2, '0')}`;
    await link(t, vehicle, i < 2 ? 'csv-depot' : `csv-m${i}`);
    const hour = `2026-03-15T${String(1 + (i % 10)).padStart(2, '0')}:15:00Z`;
    readings.push(vehicleReading(vehicle, hour, 0.5 + i / 100, 20 + i));
    if (i >= 2) readings.push(meterReading(`csv-m${i}`, hour, 0.7 + i / 37));
  }
  readings.push(
    meterReading('csv-depot', '2026-03-15T01:40:00Z', 1.3),
    meterReading('csv-depot', '2026-03-15T02:40:00Z', 1.1),
  );
  await ingest(t, readings);
});

afterAll(async () => {
  await t?.close();
});

describe('GET /v1/analytics/fleet as CSV', () => {
  it.each([
    ['Accept: text/csv', { accept: 'text/csv' }, {}],
    ['?format=csv', {}, { format: 'csv' }],
    ['Accept with weights', { accept: 'application/json;q=0.5, text/csv' }, {}],
  ])('%s: a header row, then the JSON page row by row', async (_name, headers, extra) => {
    const json = (
      await request(t.server)
        .get('/v1/analytics/fleet')
        .query({ ...WINDOW, limit: 10 })
        .expect(200)
    ).body;
    const res = await request(t.server)
      .get('/v1/analytics/fleet')
      .set(headers)
      .query({ ...WINDOW, limit: 10, ...extra })
      .expect(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe(
      'attachment; filename="fleet_2026-03-15T000000Z_2026-03-15T120000Z.csv"',
    );
    expect(res.headers.vary).toContain('Accept');
    expect(res.text.split('\n')[0]).toBe(
      'from,to,vehicleId,meterId,acKwh,dcKwh,unlinkedDcKwh,efficiency,avgBatteryTemp,meterReadings,vehicleReadings,' +
        'suspectReadings,suspectMeterReadings,suspectVehicleReadings,coverage,threshold,status,belowThreshold',
    );
    const rows = rowsOf(res.text);
    expect(rows).toHaveLength(10);
    expect(rows).toEqual(
      json.items.map((item: Record<string, unknown>) =>
        Object.fromEntries(
          Object.entries({ from: json.from, to: json.to, ...item }).map(([key, value]) => [key, field(value)]),
        ),
      ),
    );
  });

  it('a JSON Accept, */* or none answers JSON', async () => {
    for (const accept of ['application/json', '*/*', 'text/csv;q=0.1, application/json']) {
      const res = await request(t.server).get('/v1/analytics/fleet').set('accept', accept).query(WINDOW).expect(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
    }
  });

  it('exports more than a JSON page in one streamed file; JSON pages stay at most 1,000', async () => {
    const res = await request(t.server)
      .get('/v1/analytics/fleet')
      .query({ ...WINDOW, format: 'csv', limit: 100_000 })
      .expect(200);
    expect(res.headers['transfer-encoding']).toBe('chunked');
    expect(rowsOf(res.text)).toHaveLength(30);
    const refused = await request(t.server).get('/v1/analytics/fleet').query({ limit: 1001 }).expect(400);
    expectErrorBody(refused, 400);
    expect(refused.body.details).toEqual([{ field: 'limit', errors: ['limit must not be greater than 1000'] }]);
    const tooBig = await request(t.server)
      .get('/v1/analytics/fleet')
      .query({ format: 'csv', limit: 100_001 })
      .expect(400);
    expect(tooBig.body.details).toEqual([{ field: 'limit', errors: ['limit must not be greater than 100000'] }]);
  });

  it('errors stay JSON, in the one error shape; an unknown format is a 400', async () => {
    const res = await request(t.server)
      .get('/v1/analytics/fleet')
      .set('accept', 'text/csv')
      .query({ from: 'yesterday' })
      .expect(400);
    expectErrorBody(res, 400);
    const format = await request(t.server).get('/v1/analytics/fleet').query({ format: 'xml' }).expect(400);
    expect(format.body.details).toEqual([expect.objectContaining({ field: 'format' })]);
  });
});

describe("a vehicle's and a meter's answers as CSV", () => {
  it('a vehicle: its total, its meters and every bucket, as in the JSON', async () => {
    const query = { ...WINDOW, bucket: '1h' };
    const json = (await request(t.server).get('/v1/analytics/performance/csv-v00').query(query).expect(200)).body;
    const res = await request(t.server)
      .get('/v1/analytics/performance/csv-v00')
      .query({ ...query, format: 'csv' })
      .expect(200);
    const rows = rowsOf(res.text);
    expect(rows.map((row) => row.kind)).toEqual(['total', 'meter', ...Array<string>(12).fill('bucket')]);
    expect(rows[0]).toEqual({
      kind: 'total',
      vehicleId: 'csv-v00',
      meterId: 'csv-depot',
      from: json.from,
      to: json.to,
      acKwh: field(json.acKwh),
      dcKwh: field(json.dcKwh),
      unlinkedDcKwh: field(json.unlinkedDcKwh),
      efficiency: field(json.efficiency),
      avgBatteryTemp: field(json.avgBatteryTemp),
      meterReadings: field(json.meterReadings),
      vehicleReadings: field(json.vehicleReadings),
      suspectReadings: field(json.suspectReadings),
      suspectMeterReadings: field(json.suspectMeterReadings),
      suspectVehicleReadings: field(json.suspectVehicleReadings),
      coverage: field(json.coverage),
      threshold: field(json.threshold),
      status: json.status,
    });
    expect(rows[1]).toMatchObject({ kind: 'meter', meterId: 'csv-depot', acKwh: field(json.meters[0].acKwh) });
    expect(rows.slice(2).map((row) => [row.from, row.to, row.acKwh, row.dcKwh, row.status])).toEqual(
      json.buckets.map((b: Record<string, unknown>) => [b.from, b.to, field(b.acKwh), field(b.dcKwh), b.status]),
    );
  });

  it("a meter: its total, each vehicle's share (summing with the unattributed AC to the total) and buckets", async () => {
    const json = (await request(t.server).get('/v1/analytics/meters/csv-depot').query(WINDOW).expect(200)).body;
    const res = await request(t.server)
      .get('/v1/analytics/meters/csv-depot')
      .set('accept', 'text/csv')
      .query(WINDOW)
      .expect(200);
    expect(res.headers['content-disposition']).toContain('meter_csv-depot_');
    const rows = rowsOf(res.text);
    expect(rows.map((row) => row.kind)).toEqual(['total', 'vehicle', 'vehicle']);
    expect(rows[0]).toMatchObject({ acKwh: field(json.acKwh), idleAcKwh: field(json.idleAcKwh) });
    expect(rows.slice(1).map((row) => [row.vehicleId, row.acKwh, row.dcKwh, row.efficiency])).toEqual(
      json.vehicles.map((v: Record<string, unknown>) => [
        v.vehicleId,
        field(v.acKwh),
        field(v.dcKwh),
        field(v.efficiency),
      ]),
    );
    const shares = rows.slice(1).reduce((sum, row) => sum + Number(row.acKwh), Number(rows[0]!.unattributedAcKwh));
    expect(shares).toBeCloseTo(json.acKwh, 9);
  });

  it('404 stays JSON', async () => {
    const res = await request(t.server).get('/v1/analytics/meters/csv-none').query({ format: 'csv' }).expect(404);
    expectErrorBody(res, 404);
  });
});

describe("a device's readings list as CSV", () => {
  beforeAll(async () => {
    await postTelemetry(t, [
      meterReading('csv-rm', '2026-03-15T10:00:00Z', 1),
      meterReading('csv-rm', '2026-03-15T10:01:00Z', 2, 2000), // suspect: voltage
      meterReading('csv-rm', '2026-03-15T10:02:00Z', 3),
      vehicleReading('csv-rv', '2026-03-15T10:00:00Z', 0.9, 150), // suspect: temperature
    ]);
  });

  it.each([
    ['meters/csv-rm', { accept: 'text/csv' }, {}],
    ['vehicles/csv-rv', {}, { format: 'csv' }],
  ])('%s: one row per item of the JSON page, the device id first', async (path, headers, extra) => {
    const json = (await request(t.server).get(`/v1/${path}/readings`).query(WINDOW).expect(200)).body;
    const res = await request(t.server)
      .get(`/v1/${path}/readings`)
      .set(headers)
      .query({ ...WINDOW, ...extra })
      .expect(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    const [kind, id] = path.split('/') as [string, string];
    const idField = kind === 'meters' ? 'meterId' : 'vehicleId';
    expect(res.headers['content-disposition']).toBe(
      `attachment; filename="${kind.slice(0, -1)}_${id}_readings_2026-03-15T000000Z_2026-03-15T120000Z.csv"`,
    );
    expect(rowsOf(res.text)).toEqual(
      json.items.map((item: Record<string, unknown>) =>
        Object.fromEntries(Object.entries({ [idField]: id, ...item }).map(([key, value]) => [key, field(value)])),
      ),
    );
  });

  it('filters by quality, pages with the Next-Cursor header, and exports more than a JSON page', async () => {
    const flagged = rowsOf(
      (
        await request(t.server)
          .get('/v1/meters/csv-rm/readings')
          .query({ ...WINDOW, quality: 'flagged', format: 'csv' })
      ).text,
    );
    expect(flagged.map((row) => [row.timestamp, row.quality, row.qualityReason])).toEqual([
      ['2026-03-15T10:01:00.000Z', 'suspect', 'voltage_above_max'],
    ]);
    const first = await request(t.server)
      .get('/v1/meters/csv-rm/readings')
      .query({ ...WINDOW, limit: 2, format: 'csv' })
      .expect(200);
    expect(rowsOf(first.text)).toHaveLength(2);
    const json = (
      await request(t.server)
        .get('/v1/meters/csv-rm/readings')
        .query({ ...WINDOW, limit: 2 })
    ).body;
    expect(first.headers['next-cursor']).toBe(json.nextCursor);
    const rest = await request(t.server)
      .get('/v1/meters/csv-rm/readings')
      .query({ ...WINDOW, limit: 100_000, after: first.headers['next-cursor'], format: 'csv' })
      .expect(200);
    expect(rowsOf(rest.text).map((row) => row.timestamp)).toEqual(['2026-03-15T10:02:00.000Z']);
    expect(rest.headers['next-cursor']).toBeUndefined();
    const tooBig = await request(t.server).get('/v1/meters/csv-rm/readings').query({ limit: 1001 }).expect(400);
    expectErrorBody(tooBig, 400);
    const bad = await request(t.server)
      .get('/v1/meters/csv-rm/readings')
      .query({ from: 'x', format: 'csv' })
      .expect(400);
    expectErrorBody(bad, 400);
  });
});
