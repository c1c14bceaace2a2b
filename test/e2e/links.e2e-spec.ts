import request from 'supertest';
import { DataSource } from 'typeorm';
import type { LinkHistory, LinkPage, LinkView } from '../../src/links/dto/link.dto.ts';
import { createTestApp, type TestApp } from '../setup/test-app.ts';

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

let seq = 0;
/** A device id unique within this file, so tests never see each other's links. */
const uniqueId = (kind: string): string => `${kind}-${++seq}`;

describe('links', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  /** A vehicle's stored periods, oldest first ('-infinity' as text). */
  const storedPeriods = (vehicleId: string) =>
    t.db.query<{ meter_id: string; valid_from: string; valid_to: Date | null }>(
      `SELECT meter_id, CASE WHEN valid_from = '-infinity' THEN '-infinity' ELSE to_char(valid_from AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') END AS valid_from, valid_to
       FROM link_periods WHERE vehicle_id = $1 ORDER BY link_periods.valid_from`,
      [vehicleId],
    );

  describe('POST /v1/links', () => {
    it('creates a first link with 201 that covers all time before, and stores it', async () => {
      const vehicleId = uniqueId('veh');
      const meterId = uniqueId('met');

      const res = await request(t.server).post('/v1/links').send({ vehicleId, meterId }).expect(201);

      expect(res.body).toEqual({
        vehicleId,
        meterId,
        validFrom: null,
        validTo: null,
        recordedAt: expect.stringMatching(ISO_UTC),
      });
      expect(await storedPeriods(vehicleId)).toEqual([{ meter_id: meterId, valid_from: '-infinity', valid_to: null }]);
    });

    it('re-points an existing vehicle with 200: the old period ends now, the new one starts now', async () => {
      const vehicleId = uniqueId('veh');
      const firstMeter = uniqueId('met');
      await request(t.server).post('/v1/links').send({ vehicleId, meterId: firstMeter }).expect(201);
      const secondMeter = uniqueId('met');
      t.clock.set('2026-11-20T08:15:00.000Z');

      const res = await request(t.server).post('/v1/links').send({ vehicleId, meterId: secondMeter }).expect(200);

      expect(res.body).toMatchObject({
        vehicleId,
        meterId: secondMeter,
        validFrom: '2026-11-20T08:15:00.000Z',
        validTo: null,
      });
      expect(await storedPeriods(vehicleId)).toEqual([
        { meter_id: firstMeter, valid_from: '-infinity', valid_to: new Date('2026-11-20T08:15:00.000Z') },
        { meter_id: secondMeter, valid_from: '2026-11-20T08:15:00.000Z', valid_to: null },
      ]);
      const read = await request(t.server).get(`/v1/links/${vehicleId}`).expect(200);
      expect(read.body).toEqual(res.body);
    });

    it('answers 200 and changes nothing when the same link is posted again', async () => {
      const vehicleId = uniqueId('veh');
      const meterId = uniqueId('met');
      const first = await request(t.server).post('/v1/links').send({ vehicleId, meterId }).expect(201);

      const again = await request(t.server).post('/v1/links').send({ vehicleId, meterId }).expect(200);

      expect(again.body).toEqual(first.body);
      expect(await storedPeriods(vehicleId)).toHaveLength(1);
    });

    it('lets several vehicles share one meter', async () => {
      const meterId = uniqueId('depot');
      const vehicles = [uniqueId('veh'), uniqueId('veh'), uniqueId('veh')];

      for (const vehicleId of vehicles) {
        await request(t.server).post('/v1/links').send({ vehicleId, meterId }).expect(201);
      }

      expect(await t.db.count('link_periods', 'meter_id = $1 AND valid_to IS NULL', [meterId])).toBe(3);
      for (const vehicleId of vehicles) {
        const res = await request(t.server).get(`/v1/links/${vehicleId}`).expect(200);
        expect((res.body as LinkView).meterId).toBe(meterId);
      }
    });

    it('accepts ids of exactly 64 characters made of every allowed character class', async () => {
      const vehicleId = `VIN:1HGCM.82633-a_${'x'.repeat(64 - 18)}`;
      const meterId = 'M'.repeat(64);
      expect(vehicleId).toHaveLength(64);

      await request(t.server).post('/v1/links').send({ vehicleId, meterId }).expect(201);

      const res = await request(t.server).get(`/v1/links/${vehicleId}`).expect(200);
      expect((res.body as LinkView).meterId).toBe(meterId);
    });

    it('treats ids as case-sensitive', async () => {
      const base = uniqueId('case');
      await request(t.server).post('/v1/links').send({ vehicleId: base, meterId: 'met-lower' }).expect(201);
      await request(t.server)
        .post('/v1/links')
        .send({ vehicleId: base.toUpperCase(), meterId: 'met-upper' })
        .expect(201);

      expect(((await request(t.server).get(`/v1/links/${base}`).expect(200)).body as LinkView).meterId).toBe(
        'met-lower',
      );
      expect(
        ((await request(t.server).get(`/v1/links/${base.toUpperCase()}`).expect(200)).body as LinkView).meterId,
      ).toBe('met-upper');
    });

    it.each([
      ['a missing meterId', (v: string) => ({ vehicleId: v }), 'meterId'],
      ['a missing vehicleId', () => ({ meterId: 'met-ok' }), 'vehicleId'],
      ['an empty meterId', (v: string) => ({ vehicleId: v, meterId: '' }), 'meterId'],
      ['a meterId of 65 characters', (v: string) => ({ vehicleId: v, meterId: 'm'.repeat(65) }), 'meterId'],
      ['a meterId with a space', (v: string) => ({ vehicleId: v, meterId: 'met 1' }), 'meterId'],
      ['a meterId with a slash', (v: string) => ({ vehicleId: v, meterId: 'met/1' }), 'meterId'],
      ['a numeric meterId', (v: string) => ({ vehicleId: v, meterId: 42 }), 'meterId'],
      ['a vehicleId with non-ASCII letters', () => ({ vehicleId: 'véhicule', meterId: 'met-ok' }), 'vehicleId'],
    ])('rejects %s with 400 naming the field, storing nothing', async (_case, body, field) => {
      const vehicleId = uniqueId('veh');

      const res = await request(t.server).post('/v1/links').send(body(vehicleId)).expect(400);

      expect(res.body).toEqual({
        statusCode: 400,
        error: 'Bad Request',
        message: expect.any(String),
        details: [{ field, errors: expect.arrayContaining([expect.any(String)]) }],
      });
      expect(await t.db.count('link_periods', 'vehicle_id = $1', [vehicleId])).toBe(0);
      expect(await t.db.count('link_periods', 'meter_id = $1', ['met-ok'])).toBe(0);
    });

    it('rejects a body that is not a JSON object with 400, storing nothing', async () => {
      const before = await t.db.count('link_periods');

      const res = await request(t.server).post('/v1/links').send(['veh-x', 'met-x']).expect(400);

      expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      expect(await t.db.count('link_periods')).toBe(before);
    });
  });

  describe('validFrom', () => {
    const NOW = '2026-11-20T12:00:00.000Z';
    beforeEach(() => t.clock.set(NOW));

    it('starts a first link at validFrom (the vehicle was unlinked before)', async () => {
      const vehicleId = uniqueId('veh');
      const meterId = uniqueId('met');

      const res = await request(t.server)
        .post('/v1/links')
        .send({ vehicleId, meterId, validFrom: '2026-11-19T10:30:00+01:00' })
        .expect(201);

      expect(res.body).toMatchObject({ validFrom: '2026-11-19T09:30:00.000Z', validTo: null });
    });

    it('ends the period holding a backdated validFrom there, mid-hour', async () => {
      const vehicleId = uniqueId('veh');
      const [m1, m2] = [uniqueId('met'), uniqueId('met')];
      await request(t.server).post('/v1/links').send({ vehicleId, meterId: m1 }).expect(201);

      await request(t.server)
        .post('/v1/links')
        .send({ vehicleId, meterId: m2, validFrom: '2026-11-20T02:17:00Z' })
        .expect(200);

      const history = (await request(t.server).get(`/v1/links/${vehicleId}/history`).expect(200)).body as LinkHistory;
      expect(history).toEqual({
        vehicleId,
        items: [
          {
            meterId: m2,
            validFrom: '2026-11-20T02:17:00.000Z',
            validTo: null,
            recordedAt: expect.stringMatching(ISO_UTC),
          },
          {
            meterId: m1,
            validFrom: null,
            validTo: '2026-11-20T02:17:00.000Z',
            recordedAt: expect.stringMatching(ISO_UTC),
          },
        ],
      });
    });

    it('refuses with 409 a validFrom before later periods, and replaces them with replaceLater: true', async () => {
      const vehicleId = uniqueId('veh');
      const [m1, m2, m3] = [uniqueId('met'), uniqueId('met'), uniqueId('met')];
      await request(t.server).post('/v1/links').send({ vehicleId, meterId: m1 }).expect(201);
      await request(t.server)
        .post('/v1/links')
        .send({ vehicleId, meterId: m2, validFrom: '2026-11-20T06:00:00Z' })
        .expect(200);

      const refused = await request(t.server)
        .post('/v1/links')
        .send({ vehicleId, meterId: m3, validFrom: '2026-11-20T03:00:00Z' })
        .expect(409);
      expect(refused.body).toEqual({
        statusCode: 409,
        error: 'Conflict',
        message: expect.stringContaining('replaceLater'),
      });
      expect(await storedPeriods(vehicleId)).toHaveLength(2); // unchanged

      await request(t.server)
        .post('/v1/links')
        .send({ vehicleId, meterId: m3, validFrom: '2026-11-20T03:00:00Z', replaceLater: true })
        .expect(200);
      expect(await storedPeriods(vehicleId)).toEqual([
        { meter_id: m1, valid_from: '-infinity', valid_to: new Date('2026-11-20T03:00:00.000Z') },
        { meter_id: m3, valid_from: '2026-11-20T03:00:00.000Z', valid_to: null },
      ]);
    });

    it('merges a re-point back to the meter of the period it ends into that period', async () => {
      const vehicleId = uniqueId('veh');
      const [m1, m2] = [uniqueId('met'), uniqueId('met')];
      await request(t.server).post('/v1/links').send({ vehicleId, meterId: m1 }).expect(201);
      await request(t.server)
        .post('/v1/links')
        .send({ vehicleId, meterId: m2, validFrom: '2026-11-20T06:00:00Z' })
        .expect(200);

      await request(t.server)
        .post('/v1/links')
        .send({ vehicleId, meterId: m1, validFrom: '2026-11-20T05:00:00Z', replaceLater: true })
        .expect(200);

      expect(await storedPeriods(vehicleId)).toEqual([{ meter_id: m1, valid_from: '-infinity', valid_to: null }]);
    });

    it.each([
      ['in the future', '2026-11-20T12:00:00.001Z', 'validFrom must not be in the future'],
      ['with microseconds', '2026-11-20T11:00:00.000001Z', 'validFrom must be a whole millisecond'],
      ['without a zone', '2026-11-20T11:00:00', 'ISO-8601'],
    ])('rejects a validFrom %s with 400 naming validFrom, storing nothing', async (_case, validFrom, message) => {
      const vehicleId = uniqueId('veh');

      const res = await request(t.server)
        .post('/v1/links')
        .send({ vehicleId, meterId: 'met-x', validFrom })
        .expect(400);

      expect(res.body).toMatchObject({
        statusCode: 400,
        details: [{ field: 'validFrom', errors: [expect.stringContaining(message)] }],
      });
      expect(await t.db.count('link_periods', 'vehicle_id = $1', [vehicleId])).toBe(0);
    });
  });

  describe('DELETE /v1/links/:vehicleId', () => {
    it('ends the current link now; the vehicle is then unlinked, its history kept', async () => {
      const vehicleId = uniqueId('veh');
      const meterId = uniqueId('met');
      await request(t.server).post('/v1/links').send({ vehicleId, meterId }).expect(201);
      t.clock.set('2026-11-21T09:00:00.000Z');

      const res = await request(t.server).delete(`/v1/links/${vehicleId}`).expect(200);

      expect(res.body).toMatchObject({ vehicleId, meterId, validFrom: null, validTo: '2026-11-21T09:00:00.000Z' });
      await request(t.server).get(`/v1/links/${vehicleId}`).expect(404);
      const history = (await request(t.server).get(`/v1/links/${vehicleId}/history`).expect(200)).body as LinkHistory;
      expect(history.items).toHaveLength(1);
      await request(t.server).delete(`/v1/links/${vehicleId}`).expect(404); // nothing current to end
    });
  });

  describe('GET /v1/links/:vehicleId/history', () => {
    it('answers 404 for a vehicle never linked', async () => {
      await request(t.server)
        .get(`/v1/links/${uniqueId('never')}/history`)
        .expect(404);
    });
  });

  describe('GET /v1/links/:vehicleId', () => {
    it('answers 404 in the error shape for a vehicle without a link', async () => {
      const vehicleId = uniqueId('nolink');

      const res = await request(t.server).get(`/v1/links/${vehicleId}`).expect(404);

      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.body).toEqual({ statusCode: 404, error: 'Not Found', message: expect.stringContaining(vehicleId) });
    });

    it('answers 400 naming vehicleId for an id with forbidden characters', async () => {
      const res = await request(t.server).get('/v1/links/bad%20id').expect(400);

      expect(res.body).toMatchObject({ statusCode: 400, details: [expect.objectContaining({ field: 'vehicleId' })] });
    });

    it('answers 400 for an id longer than 64 characters', async () => {
      const res = await request(t.server)
        .get(`/v1/links/${'v'.repeat(65)}`)
        .expect(400);

      expect(res.body).toMatchObject({ statusCode: 400, details: [expect.objectContaining({ field: 'vehicleId' })] });
    });
  });
});

describe('GET /v1/links (keyset pagination)', () => {
  // An app of its own: these tests assert on the whole table, so no other test's links may be in it.
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  async function walk(limit: number): Promise<{ pages: LinkPage[]; ids: string[] }> {
    const pages: LinkPage[] = [];
    let after: string | null = null;
    do {
      const query: Record<string, string | number> = { limit };
      if (after !== null) query.after = after;
      const res = await request(t.server).get('/v1/links').query(query).expect(200);
      const page = res.body as LinkPage;
      pages.push(page);
      after = page.nextCursor;
      if (pages.length > 1000) throw new Error('pagination does not terminate');
    } while (after !== null);
    return { pages, ids: pages.flatMap((page) => page.items.map((item) => item.vehicleId)) };
  }

  const dbOrder = async (): Promise<string[]> =>
    (
      await t.db.query<{ vehicle_id: string }>(
        'SELECT vehicle_id FROM link_periods WHERE valid_to IS NULL ORDER BY vehicle_id',
      )
    ).map((row) => row.vehicle_id);

  async function linkAll(vehicles: string[], meterOf: (vehicleId: string) => string): Promise<void> {
    for (const vehicleId of vehicles) {
      await request(t.server)
        .post('/v1/links')
        .send({ vehicleId, meterId: meterOf(vehicleId) })
        .expect(201);
    }
  }

  /** 25 links, created in shuffled order, so the order of the pages cannot come from insertion order. */
  const PAGE_VEHICLES = Array.from({ length: 25 }, (_, i) => `page-veh-${String(i).padStart(2, '0')}`);
  const seedPageVehicles = (): Promise<void> =>
    linkAll(
      [...PAGE_VEHICLES].sort((a, b) => (a.split('').reverse().join('') < b.split('').reverse().join('') ? -1 : 1)),
      (vehicleId) => `meter-of-${vehicleId}`,
    );

  // Every test starts from an empty table and seeds what it needs: none depends on another's data.
  beforeEach(async () => {
    await t.db.query('TRUNCATE link_periods');
  });

  it('answers an empty page with no cursor when there are no links', async () => {
    const res = await request(t.server).get('/v1/links').expect(200);

    expect(res.body).toEqual({ items: [], nextCursor: null });
  });

  it('walks 25 links in pages of 10: each link exactly once, in vehicle id order', async () => {
    await seedPageVehicles();

    const { pages, ids } = await walk(10);

    expect(pages.map((page) => page.items.length)).toEqual([10, 10, 5]);
    expect(pages.map((page) => page.nextCursor)).toEqual(['page-veh-09', 'page-veh-19', null]);
    expect(ids).toEqual(PAGE_VEHICLES);
    for (const item of pages.flatMap((page) => page.items)) {
      expect(item).toEqual({
        vehicleId: item.vehicleId,
        meterId: `meter-of-${item.vehicleId}`,
        validFrom: null,
        validTo: null,
        recordedAt: expect.stringMatching(ISO_UTC),
      });
    }
  });

  it('lists only the vehicles currently on a meter with ?meterId=', async () => {
    await linkAll(['d-1', 'd-2', 'd-3'], () => 'depot-1');
    await linkAll(['e-1'], () => 'depot-2');
    await request(t.server).post('/v1/links').send({ vehicleId: 'd-2', meterId: 'depot-2' }).expect(200); // moved away

    const res = await request(t.server).get('/v1/links').query({ meterId: 'depot-1' }).expect(200);

    expect((res.body as LinkPage).items.map((item) => item.vehicleId)).toEqual(['d-1', 'd-3']);
  });

  it('ends with a null cursor, not an empty page, when the last page is exactly full', async () => {
    await seedPageVehicles(); // 25 links: a limit of 5 fills the last page exactly
    const { pages, ids } = await walk(5);

    expect(pages).toHaveLength(5);
    expect(pages.every((page) => page.items.length === 5)).toBe(true);
    expect(pages.at(-1)!.nextCursor).toBeNull();
    expect(ids).toEqual(await dbOrder());
  });

  it('starts strictly after the cursor, which need not be a stored vehicle id', async () => {
    await seedPageVehicles();
    const res = await request(t.server).get('/v1/links').query({ after: 'page-veh-22', limit: 10 }).expect(200);
    expect((res.body as LinkPage).items.map((item) => item.vehicleId)).toEqual(['page-veh-23', 'page-veh-24']);
    expect((res.body as LinkPage).nextCursor).toBeNull();

    const between = await request(t.server).get('/v1/links').query({ after: 'page-veh-05x', limit: 2 }).expect(200);
    expect((between.body as LinkPage).items.map((item) => item.vehicleId)).toEqual(['page-veh-06', 'page-veh-07']);
    expect((between.body as LinkPage).nextCursor).toBe('page-veh-07');
  });

  it('keeps every link exactly once across pages for ids mixing case and punctuation', async () => {
    const tricky = ['A', 'a', 'Z', 'z', 'a-1', 'a.1', 'a1', 'a_1', 'a:1', 'a-', 'a--1', '0', '9', '_', '-', '.', ':'];
    await linkAll(tricky, () => 'tricky-meter');

    const { ids } = await walk(3);

    expect(ids).toEqual(await dbOrder()); // PostgreSQL's order of the ids, each once
    expect(ids).toHaveLength(tricky.length);
    expect([...ids].sort()).toEqual([...tricky].sort());
  });

  it('answers at most 100 links without a limit, and up to 1000 with limit=1000', async () => {
    await linkAll(
      Array.from({ length: 106 }, (_, i) => `bulk-veh-${String(i).padStart(3, '0')}`),
      () => 'bulk-meter',
    );

    const byDefault = await request(t.server).get('/v1/links').expect(200);
    expect((byDefault.body as LinkPage).items).toHaveLength(100);
    expect((byDefault.body as LinkPage).nextCursor).toBe((byDefault.body as LinkPage).items[99]!.vehicleId);

    const all = await request(t.server).get('/v1/links').query({ limit: 1000 }).expect(200);
    expect((all.body as LinkPage).items.map((item) => item.vehicleId)).toEqual(await dbOrder());
    expect((all.body as LinkPage).nextCursor).toBeNull();
  });

  it('returns one link with limit=1 and a cursor to the next', async () => {
    await seedPageVehicles();
    const [first, second] = await dbOrder();

    const res = await request(t.server).get('/v1/links').query({ limit: 1 }).expect(200);
    expect((res.body as LinkPage).items.map((item) => item.vehicleId)).toEqual([first]);
    expect((res.body as LinkPage).nextCursor).toBe(first);

    const next = await request(t.server).get('/v1/links').query({ limit: 1, after: first }).expect(200);
    expect((next.body as LinkPage).items.map((item) => item.vehicleId)).toEqual([second]);
  });

  it.each([['0'], ['1001'], ['-1'], ['1.5'], ['abc'], [''], ['10abc']])(
    'rejects limit=%p with 400 naming limit',
    async (limit) => {
      const res = await request(t.server)
        .get(`/v1/links?limit=${encodeURIComponent(limit)}`)
        .expect(400);

      expect(res.body).toEqual({
        statusCode: 400,
        error: 'Bad Request',
        message: expect.any(String),
        details: [{ field: 'limit', errors: expect.arrayContaining([expect.any(String)]) }],
      });
    },
  );

  it('rejects a cursor that is not a valid vehicle id with 400 naming after', async () => {
    const res = await request(t.server).get('/v1/links?after=bad%20cursor').expect(400);

    expect(res.body).toMatchObject({ statusCode: 400, details: [expect.objectContaining({ field: 'after' })] });
  });
});

describe('migrating fleet_links into link periods', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('turns every existing link into a period covering all past time, losing none', async () => {
    const dataSource = t.app.get(DataSource);
    // Back to the schema before link periods: the later migrations (attribution snapshots, the measurement
    // model) first, then link periods.
    await dataSource.undoLastMigration({ transaction: 'each' });
    await dataSource.undoLastMigration({ transaction: 'each' });
    await dataSource.undoLastMigration({ transaction: 'each' });
    await t.db.query(
      `INSERT INTO fleet_links (vehicle_id, meter_id, created_at)
       SELECT 'mig-veh-' || i, 'mig-met-' || (i % 7), '2026-01-01T00:00:00Z' FROM generate_series(1, 500) AS i`,
    );

    await dataSource.runMigrations({ transaction: 'each' });

    expect(await t.db.count('link_periods')).toBe(500);
    expect(
      await t.db.count(
        'link_periods',
        `valid_from = '-infinity' AND valid_to IS NULL AND meter_id = 'mig-met-' || (substr(vehicle_id, 9)::int % 7)`,
      ),
    ).toBe(500);
    const res = await request(t.server).get('/v1/links/mig-veh-42').expect(200);
    expect(res.body).toMatchObject({ meterId: 'mig-met-0', validFrom: null, validTo: null });
    // The view keeps the previous release's reads working during a rolling upgrade.
    expect(await t.db.count('fleet_links')).toBe(500);
  });
});
