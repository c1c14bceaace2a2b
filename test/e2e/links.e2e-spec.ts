import request from 'supertest';
import type { LinkPage, LinkView } from '../../src/links/dto/link.dto.ts';
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

  const storedLinks = (vehicleId: string) =>
    t.db.query<{ vehicle_id: string; meter_id: string; created_at: Date; updated_at: Date }>(
      'SELECT vehicle_id, meter_id, created_at, updated_at FROM fleet_links WHERE vehicle_id = $1',
      [vehicleId],
    );

  describe('POST /v1/links', () => {
    it('creates a new link with 201 and stores it', async () => {
      const vehicleId = uniqueId('veh');
      const meterId = uniqueId('met');

      const res = await request(t.server).post('/v1/links').send({ vehicleId, meterId }).expect(201);

      expect(res.body).toEqual({
        vehicleId,
        meterId,
        createdAt: expect.stringMatching(ISO_UTC),
        updatedAt: expect.stringMatching(ISO_UTC),
      });
      const body = res.body as LinkView;
      expect(body.updatedAt).toBe(body.createdAt);
      const rows = await storedLinks(vehicleId);
      expect(rows).toHaveLength(1);
      expect(rows[0]!.meter_id).toBe(meterId);
      expect(rows[0]!.created_at.toISOString()).toBe(body.createdAt);
    });

    it('re-points an existing vehicle to another meter with 200, keeping createdAt', async () => {
      const vehicleId = uniqueId('veh');
      const first = await request(t.server)
        .post('/v1/links')
        .send({ vehicleId, meterId: uniqueId('met') })
        .expect(201);
      const secondMeter = uniqueId('met');

      const res = await request(t.server).post('/v1/links').send({ vehicleId, meterId: secondMeter }).expect(200);

      const body = res.body as LinkView;
      expect(body.vehicleId).toBe(vehicleId);
      expect(body.meterId).toBe(secondMeter);
      expect(body.createdAt).toBe((first.body as LinkView).createdAt);
      expect(Date.parse(body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(body.createdAt));
      const rows = await storedLinks(vehicleId);
      expect(rows).toHaveLength(1);
      expect(rows[0]!.meter_id).toBe(secondMeter);
      // Microsecond precision in the database: the re-pointing transaction stamped a later updated_at.
      expect(await t.db.count('fleet_links', 'vehicle_id = $1 AND updated_at > created_at', [vehicleId])).toBe(1);
      const read = await request(t.server).get(`/v1/links/${vehicleId}`).expect(200);
      expect(read.body).toEqual(body);
    });

    it('answers 200 and changes nothing when the same link is posted again', async () => {
      const vehicleId = uniqueId('veh');
      const meterId = uniqueId('met');
      const first = await request(t.server).post('/v1/links').send({ vehicleId, meterId }).expect(201);

      const again = await request(t.server).post('/v1/links').send({ vehicleId, meterId }).expect(200);

      expect(again.body).toEqual(first.body);
      expect(await storedLinks(vehicleId)).toHaveLength(1);
    });

    it('lets several vehicles share one meter', async () => {
      const meterId = uniqueId('depot');
      const vehicles = [uniqueId('veh'), uniqueId('veh'), uniqueId('veh')];

      for (const vehicleId of vehicles) {
        await request(t.server).post('/v1/links').send({ vehicleId, meterId }).expect(201);
      }

      expect(await t.db.count('fleet_links', 'meter_id = $1', [meterId])).toBe(3);
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
      expect(await t.db.count('fleet_links', 'vehicle_id = $1', [vehicleId])).toBe(0);
      expect(await t.db.count('fleet_links', 'meter_id = $1', ['met-ok'])).toBe(0);
    });

    it('rejects a body that is not a JSON object with 400, storing nothing', async () => {
      const before = await t.db.count('fleet_links');

      const res = await request(t.server).post('/v1/links').send(['veh-x', 'met-x']).expect(400);

      expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      expect(await t.db.count('fleet_links')).toBe(before);
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
    (await t.db.query<{ vehicle_id: string }>('SELECT vehicle_id FROM fleet_links ORDER BY vehicle_id')).map(
      (row) => row.vehicle_id,
    );

  it('answers an empty page with no cursor when there are no links', async () => {
    const res = await request(t.server).get('/v1/links').expect(200);

    expect(res.body).toEqual({ items: [], nextCursor: null });
  });

  it('walks 25 links in pages of 10: each link exactly once, in vehicle id order', async () => {
    // Created in shuffled order, so the order of the pages cannot come from insertion order.
    const vehicles = Array.from({ length: 25 }, (_, i) => `page-veh-${String(i).padStart(2, '0')}`);
    const shuffled = [...vehicles].sort((a, b) =>
      a.split('').reverse().join('') < b.split('').reverse().join('') ? -1 : 1,
    );
    for (const vehicleId of shuffled) {
      await request(t.server)
        .post('/v1/links')
        .send({ vehicleId, meterId: `meter-of-${vehicleId}` })
        .expect(201);
    }

    const { pages, ids } = await walk(10);

    expect(pages.map((page) => page.items.length)).toEqual([10, 10, 5]);
    expect(pages.map((page) => page.nextCursor)).toEqual(['page-veh-09', 'page-veh-19', null]);
    expect(ids).toEqual(vehicles);
    expect(new Set(ids).size).toBe(25);
    for (const item of pages.flatMap((page) => page.items)) {
      expect(item).toEqual({
        vehicleId: item.vehicleId,
        meterId: `meter-of-${item.vehicleId}`,
        createdAt: expect.stringMatching(ISO_UTC),
        updatedAt: expect.stringMatching(ISO_UTC),
      });
    }
  });

  it('ends with a null cursor, not an empty page, when the last page is exactly full', async () => {
    // 25 links are stored; a limit of 5 fills the last page exactly.
    const { pages, ids } = await walk(5);

    expect(pages).toHaveLength(5);
    expect(pages.every((page) => page.items.length === 5)).toBe(true);
    expect(pages.at(-1)!.nextCursor).toBeNull();
    expect(ids).toEqual(await dbOrder());
  });

  it('starts strictly after the cursor, which need not be a stored vehicle id', async () => {
    const res = await request(t.server).get('/v1/links').query({ after: 'page-veh-22', limit: 10 }).expect(200);
    expect((res.body as LinkPage).items.map((item) => item.vehicleId)).toEqual(['page-veh-23', 'page-veh-24']);
    expect((res.body as LinkPage).nextCursor).toBeNull();

    const between = await request(t.server).get('/v1/links').query({ after: 'page-veh-05x', limit: 2 }).expect(200);
    expect((between.body as LinkPage).items.map((item) => item.vehicleId)).toEqual(['page-veh-06', 'page-veh-07']);
    expect((between.body as LinkPage).nextCursor).toBe('page-veh-07');
  });

  it('keeps every link exactly once across pages for ids mixing case and punctuation', async () => {
    const tricky = ['A', 'a', 'Z', 'z', 'a-1', 'a.1', 'a1', 'a_1', 'a:1', 'a-', 'a--1', '0', '9', '_', '-', '.', ':'];
    for (const vehicleId of tricky) {
      await request(t.server).post('/v1/links').send({ vehicleId, meterId: 'tricky-meter' }).expect(201);
    }

    const { ids } = await walk(3);

    expect(ids).toEqual(await dbOrder());
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual([...(await dbOrder())].sort());
    expect(ids).toEqual(expect.arrayContaining(tricky));
    expect(ids).toHaveLength(25 + tricky.length);
  });

  it('answers at most 100 links without a limit, and up to 1000 with limit=1000', async () => {
    const stored = await t.db.count('fleet_links');
    const extra = Array.from({ length: 101 - stored + 5 }, (_, i) => `bulk-veh-${String(i).padStart(3, '0')}`);
    for (const vehicleId of extra) {
      await request(t.server).post('/v1/links').send({ vehicleId, meterId: 'bulk-meter' }).expect(201);
    }
    const total = await t.db.count('fleet_links');
    expect(total).toBeGreaterThan(100);

    const byDefault = await request(t.server).get('/v1/links').expect(200);
    expect((byDefault.body as LinkPage).items).toHaveLength(100);
    expect((byDefault.body as LinkPage).nextCursor).toBe((byDefault.body as LinkPage).items[99]!.vehicleId);

    const all = await request(t.server).get('/v1/links').query({ limit: 1000 }).expect(200);
    expect((all.body as LinkPage).items.map((item) => item.vehicleId)).toEqual(await dbOrder());
    expect((all.body as LinkPage).nextCursor).toBeNull();
  });

  it('returns one link with limit=1 and a cursor to the next', async () => {
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
