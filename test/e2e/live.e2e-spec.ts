import request from 'supertest';
import { hashApiKey } from '../../src/auth/api-keys.ts';
import type { LivePage } from '../../src/live/dto/live.dto.ts';
import { meterReading as meterReadingOf, vehicleReading as vehicleReadingOf } from '../builders/readings.builder.ts';
import { createTestApp, type TestApp } from '../setup/test-app.ts';
import { ingest } from '../support/api.ts';
import { expectErrorBody } from '../support/http.ts';

/** The pinned "now"; partitions exist for 7 days either side of it. */
const NOW = new Date('2026-03-15T12:00:00.000Z');
const MINUTE = 60_000;
const ago = (minutes: number): string => new Date(NOW.getTime() - minutes * MINUTE).toISOString();

let seq = 0;
const uniqueId = (kind: string): string => `live-${kind}-${++seq}`;

/** This file's readings: 1.25 kWh at 231.5 V for meters, 1.1 kWh at 42.5 % and 27.5 °C for vehicles, unless given. */
const meterReading = (meterId: string, timestamp: string, kwhConsumedAc = 1.25, voltage = 231.5) =>
  meterReadingOf(meterId, timestamp, kwhConsumedAc, voltage);
const vehicleReading = (vehicleId: string, timestamp: string, kwhDeliveredDc = 1.1, soc = 42.5, batteryTemp = 27.5) =>
  vehicleReadingOf(vehicleId, timestamp, kwhDeliveredDc, batteryTemp, soc);

/** A page of either list; items are read field by field (meters and vehicles alike). */
type Page = LivePage<Record<string, unknown>>;

describe('GET /v1/meters/:meterId/live and /v1/vehicles/:vehicleId/live', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ now: NOW });
  });
  afterAll(async () => {
    await t.close();
  });

  it("answers a meter's latest reading with the payload's field names, numbers as numbers, and when it arrived", async () => {
    const meterId = uniqueId('met');
    const before = Date.now();
    await ingest(t, [meterReading(meterId, ago(10), 0.5, 229.9), meterReading(meterId, ago(2), 0.1, 231.25)]);
    const after = Date.now();

    const res = await request(t.server).get(`/v1/meters/${meterId}/live`).expect(200);

    expect(res.body).toEqual({
      meterId,
      kwhConsumedAc: 0.1,
      voltage: 231.25,
      timestamp: ago(2),
      receivedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
    });
    expect(res.text).toContain('"kwhConsumedAc":0.1,');
    // receivedAt is the database's commit-time clock (real time), not the pinned clock: it says when the reading arrived.
    const receivedAt = Date.parse((res.body as { receivedAt: string }).receivedAt);
    expect(receivedAt).toBeGreaterThanOrEqual(before - 1000);
    expect(receivedAt).toBeLessThanOrEqual(after + 1000);
  });

  it("answers a vehicle's latest reading with the payload's field names", async () => {
    const vehicleId = uniqueId('veh');
    await ingest(t, [vehicleReading(vehicleId, ago(3), 0.75, 80.5, 31.25), vehicleReading(vehicleId, ago(9), 9, 1, 1)]);

    const res = await request(t.server).get(`/v1/vehicles/${vehicleId}/live`).expect(200);

    expect(res.body).toEqual({
      vehicleId,
      soc: 80.5,
      kwhDeliveredDc: 0.75,
      batteryTemp: 31.25,
      timestamp: ago(3),
      receivedAt: expect.any(String),
    });
    expect(Object.keys(res.body as object)).toEqual([
      'vehicleId',
      'soc',
      'kwhDeliveredDc',
      'batteryTemp',
      'timestamp',
      'receivedAt',
    ]);
  });

  it('keeps answering the newest reading when an older one arrives later, and moves on for a newer one', async () => {
    const meterId = uniqueId('met');
    await ingest(t, [meterReading(meterId, ago(5), 2)]);
    await ingest(t, [meterReading(meterId, ago(30), 3)]); // late

    expect((await request(t.server).get(`/v1/meters/${meterId}/live`).expect(200)).body).toMatchObject({
      kwhConsumedAc: 2,
      timestamp: ago(5),
    });

    await ingest(t, [meterReading(meterId, ago(1), 4)]);

    expect((await request(t.server).get(`/v1/meters/${meterId}/live`).expect(200)).body).toMatchObject({
      kwhConsumedAc: 4,
      timestamp: ago(1),
    });
  });

  it('answers the timestamp in UTC whatever offset the device wrote, to the microsecond when it sent microseconds', async () => {
    const offset = uniqueId('met');
    const micros = uniqueId('met');
    await ingest(t, [
      meterReading(offset, '2026-03-15T12:30:00.5+01:00'), // 11:30:00.500Z
      meterReading(micros, '2026-03-15T11:45:00.123456Z'),
    ]);

    expect((await request(t.server).get(`/v1/meters/${offset}/live`).expect(200)).body).toMatchObject({
      timestamp: '2026-03-15T11:30:00.500Z',
    });
    expect((await request(t.server).get(`/v1/meters/${micros}/live`).expect(200)).body).toMatchObject({
      timestamp: '2026-03-15T11:45:00.123456Z',
    });
  });

  it('keeps the exact energy value sent (NUMERIC in, the same JSON number out)', async () => {
    const vehicleId = uniqueId('veh');
    await ingest(t, [vehicleReading(vehicleId, ago(1), 0.30000000000000004, 12.3456789)]);

    const res = await request(t.server).get(`/v1/vehicles/${vehicleId}/live`).expect(200);

    expect(res.body).toMatchObject({ kwhDeliveredDc: 0.30000000000000004, soc: 12.3456789 });
  });

  it.each([
    ['meters', 'meter'],
    ['vehicles', 'vehicle'],
  ])('answers 404 in the error shape for a %s id that never reported', async (path, kind) => {
    const id = uniqueId('never');

    const res = await request(t.server).get(`/v1/${path}/${id}/live`).expect(404);

    expectErrorBody(res, 404);
    expect(res.body).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: `No reading has been received from ${kind} '${id}'`,
    });
  });

  it('answers 404 for a meter id that only a vehicle used (the two kinds are separate)', async () => {
    const id = uniqueId('both');
    await ingest(t, [vehicleReading(id, ago(1))]);

    await request(t.server).get(`/v1/vehicles/${id}/live`).expect(200);
    await request(t.server).get(`/v1/meters/${id}/live`).expect(404);
  });

  it.each([
    ['meters', 'meterId'],
    ['vehicles', 'vehicleId'],
  ])('answers 400 naming %s id field for an id with forbidden characters', async (path, field) => {
    const res = await request(t.server).get(`/v1/${path}/bad%27%3B--/live`).expect(400);

    expectErrorBody(res, 400);
    expect(res.body).toMatchObject({ details: [expect.objectContaining({ field })] });
  });
});

describe('GET /v1/vehicles/live and /v1/meters/live (pages, silent devices)', () => {
  // Every test on its own fresh database: a page's content depends on every device stored, so
  // no test may see another's devices (or rely on them).
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp({ now: NOW });
  });
  afterEach(async () => {
    await t.close();
  });

  const FIVE_VEHICLES = ['veh-c', 'veh-a', 'veh-e', 'veh-b', 'veh-d'];
  /** Written out of order, with ids whose order is not their insertion order. */
  const ingestFiveVehicles = (): Promise<void> =>
    ingest(
      t,
      FIVE_VEHICLES.map((id, i) => vehicleReading(id, ago(i + 1), i)),
    );

  async function page(path: string): Promise<Page> {
    return (await request(t.server).get(path).expect(200)).body as Page;
  }

  /** Follows nextCursor from the first page (after `start`, if given); the ids of every page. */
  async function allPages(
    path: string,
    idField: string,
    limit: number,
    extra = '',
    start?: string,
  ): Promise<string[][]> {
    const pages: string[][] = [];
    let cursor: string | null = start ?? null;
    do {
      const after: string = cursor === null ? '' : `&after=${encodeURIComponent(cursor)}`;
      const body = await page(`${path}?limit=${limit}${after}${extra}`);
      pages.push(body.items.map((item) => item[idField] as string));
      cursor = body.nextCursor;
      expect(pages.length).toBeLessThan(100);
    } while (cursor !== null);
    return pages;
  }

  it('answers an empty page before any device has reported', async () => {
    expect(await page('/v1/vehicles/live')).toEqual({ items: [], nextCursor: null });
    expect(await page('/v1/meters/live')).toEqual({ items: [], nextCursor: null });
  });

  it('pages through every vehicle in id order, each once, with the cursor of the last item', async () => {
    await ingestFiveVehicles();

    const pages = await allPages('/v1/vehicles/live', 'vehicleId', 2);

    expect(pages).toEqual([['veh-a', 'veh-b'], ['veh-c', 'veh-d'], ['veh-e']]);
    const first = await page('/v1/vehicles/live?limit=2');
    expect(first.nextCursor).toBe('veh-b');
    expect(first.items[0]).toEqual({
      vehicleId: 'veh-a',
      soc: 42.5,
      kwhDeliveredDc: 1,
      batteryTemp: 27.5,
      timestamp: ago(2),
      receivedAt: expect.any(String),
    });
  });

  it('answers nextCursor null when the last page is exactly full', async () => {
    await ingestFiveVehicles();
    expect(await allPages('/v1/vehicles/live', 'vehicleId', 5)).toEqual([
      ['veh-a', 'veh-b', 'veh-c', 'veh-d', 'veh-e'],
    ]);
    expect((await page('/v1/vehicles/live?after=veh-e')).items).toEqual([]);
  });

  it('lists meters the same way, defaulting to pages of 100', async () => {
    const ids = Array.from({ length: 105 }, (_, i) => `met-${String(i).padStart(3, '0')}`);
    await ingest(
      t,
      ids.map((id) => meterReading(id, ago(1))),
    );

    const first = await page('/v1/meters/live');

    expect(first.items).toHaveLength(100);
    expect(first.nextCursor).toBe('met-099');
    expect(first.items[0]).toEqual({
      meterId: 'met-000',
      kwhConsumedAc: 1.25,
      voltage: 231.5,
      timestamp: ago(1),
      receivedAt: expect.any(String),
    });
    expect((await page('/v1/meters/live?after=met-099')).items.map((item) => item.meterId)).toEqual(ids.slice(100));
  });

  describe('staleMinutes', () => {
    // Latest readings at now − 5 min, − 30 min, − 30 min − 1 ms, − 61 min and − 2 days.
    const silent = {
      fresh: 'st-a-fresh',
      edge: 'st-b-edge',
      justOver: 'st-c-just-over',
      hour: 'st-d-hour',
      days: 'st-e-days',
    };
    beforeEach(async () => {
      await ingest(t, [
        vehicleReading(silent.fresh, ago(90)), // an older reading: only the latest one counts
        vehicleReading(silent.fresh, ago(5)),
        vehicleReading(silent.edge, ago(30)),
        vehicleReading(silent.justOver, new Date(NOW.getTime() - 30 * MINUTE - 1).toISOString()),
        vehicleReading(silent.hour, ago(61)),
        vehicleReading(silent.days, ago(2 * 24 * 60)),
        meterReading('st-met-fresh', ago(1)),
        meterReading('st-met-silent', ago(45)),
      ]);
    });

    const staleIds = async (path: string, minutes: number): Promise<string[]> =>
      (await page(`${path}?staleMinutes=${minutes}&after=st-&limit=1000`)).items
        .map((item) => (item.vehicleId ?? item.meterId) as string)
        .filter((id) => id.startsWith('st-'));

    it('lists only vehicles whose latest reading is older than now − N minutes (a reading exactly N minutes old is not stale)', async () => {
      expect(await staleIds('/v1/vehicles/live', 30)).toEqual([silent.justOver, silent.hour, silent.days]);
      expect(await staleIds('/v1/vehicles/live', 60)).toEqual([silent.hour, silent.days]);
      expect(await staleIds('/v1/vehicles/live', 4)).toEqual([
        silent.fresh,
        silent.edge,
        silent.justOver,
        silent.hour,
        silent.days,
      ]);
      expect(await staleIds('/v1/vehicles/live', 3 * 24 * 60)).toEqual([]);
    });

    it('measures silence from the injected clock', async () => {
      t.clock.set(new Date(NOW.getTime() + 30 * MINUTE));

      expect(await staleIds('/v1/vehicles/live', 30)).toEqual([
        silent.fresh,
        silent.edge,
        silent.justOver,
        silent.hour,
        silent.days,
      ]);
    });

    it('pages through the silent vehicles only', async () => {
      const pages = await allPages('/v1/vehicles/live', 'vehicleId', 1, '&staleMinutes=30', 'st-');

      expect(pages).toEqual([[silent.justOver], [silent.hour], [silent.days]]);
    });

    it('lists silent meters the same way', async () => {
      expect(await staleIds('/v1/meters/live', 30)).toEqual(['st-met-silent']);
      expect(await staleIds('/v1/meters/live', 45)).toEqual([]);
    });
  });
});

describe('GET /v1/vehicles/live and /v1/meters/live: bad queries', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ now: NOW });
  });
  afterAll(async () => {
    await t.close();
  });

  it.each([
    ['limit=0', 'limit'],
    ['limit=1001', 'limit'],
    ['limit=abc', 'limit'],
    ['limit=1.5', 'limit'],
    ['staleMinutes=0', 'staleMinutes'],
    ['staleMinutes=-5', 'staleMinutes'],
    ['staleMinutes=2.5', 'staleMinutes'],
    ['staleMinutes=ten', 'staleMinutes'],
    ['staleMinutes=1000000', 'staleMinutes'],
    ['after=bad%20id', 'after'],
  ])('answers 400 naming the field for %s', async (query, field) => {
    for (const path of ['/v1/vehicles/live', '/v1/meters/live']) {
      const res = await request(t.server).get(`${path}?${query}`).expect(400);

      expectErrorBody(res, 400);
      expect(res.body).toMatchObject({ details: [expect.objectContaining({ field })] });
    }
  });
});

describe('live routes with API keys', () => {
  const operatorKey = 'live-operator-key';
  const deviceKey = 'live-device-key';
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({
      now: NOW,
      env: { API_KEYS: `operator:${hashApiKey(operatorKey)},device:${hashApiKey(deviceKey)}` },
    });
  });
  afterAll(async () => {
    await t.close();
  });

  it.each(['/v1/meters/live', '/v1/vehicles/live', '/v1/meters/m-1/live', '/v1/vehicles/v-1/live'])(
    '%s needs an operator key: 401 without a key, 403 with a device key',
    async (path) => {
      await request(t.server).get(path).expect(401);
      await request(t.server).get(path).set('x-api-key', deviceKey).expect(403);
      const res = await request(t.server).get(path).set('authorization', `Bearer ${operatorKey}`);
      expect([200, 404]).toContain(res.status); // 404: the device never reported
    },
  );
});
