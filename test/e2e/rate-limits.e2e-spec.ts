import { randomBytes, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { hashApiKey } from '../../src/auth/api-keys.ts';
import { validateEnv } from '../../src/config/env.schema.ts';
import { Metrics } from '../../src/observability/metrics.ts';
import { createTestApp, type TestApp } from '../setup/test-app.ts';
import { createTestDatabase, dropTestDatabase, TestDb } from '../setup/test-db.ts';
import { createAppOn } from '../support/app-on-database.ts';
import { expectErrorBody, type HttpResult, inParallel, listen, postJson, send } from '../support/http.ts';
import { aMeterReading, type MeterBody } from '../support/readings.ts';

/**
 * Rate limits against the real app, PostgreSQL and Redis (redis://127.0.0.1:6379, keys under a
 * prefix unique to this run): the fleet behind one address is never refused at the defaults, what
 * misbehaves is, the probes never are, and with Redis the budgets hold across instances.
 */

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const REDIS_KEY_PREFIX = `test:rate-limits:${randomUUID().slice(0, 8)}:`;
const DEVICE_KEY = randomBytes(32).toString('base64url');
const OTHER_DEVICE_KEY = randomBytes(32).toString('base64url');
const OPERATOR_KEY = randomBytes(32).toString('base64url');
const API_KEYS = [`device:${hashApiKey(DEVICE_KEY)}`, `device:${hashApiKey(OTHER_DEVICE_KEY)}`]
  .concat(`operator:${hashApiKey(OPERATOR_KEY)}`)
  .join(',');

const randomKey = (): string => randomBytes(24).toString('base64url');
const ingest = (base: string, key: string, body: object, headers: Record<string, string> = {}): Promise<HttpResult> =>
  postJson(`${base}/v1/telemetry`, JSON.stringify(body), { 'x-api-key': key, ...headers });

function expectTooManyRequests(res: HttpResult): void {
  expectErrorBody(res, 429);
  expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
}

async function storedMeters(db: TestDb, readings: MeterBody[]): Promise<number> {
  return db.count('meter_telemetry', 'meter_id = ANY($1)', [readings.map((r) => r.meterId)]);
}

async function withApp(env: Record<string, string>, test: (t: TestApp, base: string) => Promise<void>): Promise<void> {
  const t = await createTestApp({ env: { API_KEYS, ...env } });
  try {
    await test(t, await listen(t.app));
  } finally {
    await t.close();
  }
}

describe('at the default settings', () => {
  it('sizes the per-address ceiling for a whole fleet behind one address, catching up at ten times its rate', () => {
    const defaults = validateEnv({});
    const fleetCatchUpPerMinute = 20_000 * 10; // 20,000 devices once a minute, ten times that after an outage
    expect(defaults.RATE_LIMIT_PER_MINUTE).toBeGreaterThanOrEqual(2 * fleetCatchUpPerMinute);
    expect(defaults.RATE_LIMIT_DEVICE_KEY_PER_MINUTE).toBe(0); // per-credential limits are opt-in
    expect(defaults.RATE_LIMIT_OPERATOR_KEY_PER_MINUTE).toBe(0);
  });

  it('stores a fleet-shaped burst from one address, while a device with a wrong key among it is throttled', async () => {
    await withApp({}, async (t, base) => {
      const FLEET_REQUESTS = 3000;
      const WRONG_KEY_REQUESTS = 300;
      const readings = Array.from({ length: FLEET_REQUESTS }, () => aMeterReading());
      const strays = Array.from({ length: WRONG_KEY_REQUESTS }, () => aMeterReading());
      // Every tenth request comes from the misconfigured device, interleaved with the fleet's.
      const order = [...readings.map((r) => ({ r, key: DEVICE_KEY }))];
      strays.forEach((r, i) => order.splice(i * 11, 0, { r, key: randomKey() }));
      const results = await inParallel(order.length, 32, (i) => ingest(base, order[i]!.key, order[i]!.r));

      const fleet = results.filter((_, i) => order[i]!.key === DEVICE_KEY).map((res) => res.status);
      const stray = results.filter((_, i) => order[i]!.key !== DEVICE_KEY).map((res) => res.status);
      expect(fleet.filter((status) => status !== 201)).toEqual([]);
      expect(await storedMeters(t.db, readings)).toBe(FLEET_REQUESTS);
      const failedAuthLimit = t.config.RATE_LIMIT_FAILED_AUTH_PER_MINUTE;
      expect(stray.filter((status) => status === 401)).toHaveLength(failedAuthLimit);
      expect(stray.filter((status) => status === 429)).toHaveLength(WRONG_KEY_REQUESTS - failedAuthLimit);
      expect(await storedMeters(t.db, strays)).toBe(0);
    });
  }, 60_000);
});

describe('failed authentication, per address', () => {
  const LIMIT = 10;

  it('answers a flood of random keys 429 after the budget, stores none of it, and lets valid keys through', async () => {
    await withApp({ RATE_LIMIT_FAILED_AUTH_PER_MINUTE: String(LIMIT) }, async (t, base) => {
      const flood = Array.from({ length: 3 * LIMIT }, () => aMeterReading());
      const statuses: number[] = [];
      for (const reading of flood) {
        const res = await ingest(base, randomKey(), reading);
        if (res.status === 429) expectTooManyRequests(res);
        statuses.push(res.status);
      }
      expect(statuses).toEqual([...Array<number>(LIMIT).fill(401), ...Array<number>(2 * LIMIT).fill(429)]);
      expect(await storedMeters(t.db, flood)).toBe(0);

      // Over the budget: no key, or a valid key of the wrong role, is refused too ...
      expectTooManyRequests(await postJson(`${base}/v1/telemetry`, JSON.stringify(aMeterReading())));
      expectTooManyRequests(await ingest(base, OPERATOR_KEY, aMeterReading()));
      // ... but the fleet's valid keys from the same address are not.
      const good = aMeterReading();
      expect((await ingest(base, DEVICE_KEY, good)).status).toBe(201);
      expect(await storedMeters(t.db, [good])).toBe(1);
      expect((await send(`${base}/v1/links`, { headers: { 'x-api-key': OPERATOR_KEY } })).status).toBe(200);
      const metrics = await t.app.get(Metrics).registry.getSingleMetricAsString('rate_limit_refused_total');
      expect(metrics).toContain(`rate_limit_refused_total{limit="failed_auth"} ${2 * LIMIT + 2}`);
    });
  });

  it('counts a valid key of the wrong role (403) as a failed authentication', async () => {
    await withApp({ RATE_LIMIT_FAILED_AUTH_PER_MINUTE: '3' }, async (_t, base) => {
      const statuses = [];
      for (let i = 0; i < 5; i += 1) statuses.push((await ingest(base, OPERATOR_KEY, aMeterReading())).status);
      expect(statuses).toEqual([403, 403, 403, 429, 429]);
    });
  });
});

describe('the probes', () => {
  it('never answers /health or /health/live 429, whatever the budgets and the key', async () => {
    await withApp({ RATE_LIMIT_PER_MINUTE: '2', RATE_LIMIT_FAILED_AUTH_PER_MINUTE: '1' }, async (_t, base) => {
      // Spend both budgets of this address first.
      for (let i = 0; i < 3; i += 1) await ingest(base, randomKey(), aMeterReading());
      expectTooManyRequests(await ingest(base, DEVICE_KEY, aMeterReading()));
      const statuses = await inParallel(60, 10, async (i) => {
        const path = i % 2 === 0 ? '/health' : '/health/live';
        const headers: Record<string, string> = i % 3 === 0 ? { 'x-api-key': randomKey() } : {};
        return (await send(`${base}${path}`, { headers })).status;
      });
      expect(statuses.filter((status) => status !== 200)).toEqual([]);
    });
  });
});

describe('the per-address ceiling (RATE_LIMIT_PER_MINUTE)', () => {
  it('refuses an address over it whatever its keys, unstored, with Retry-After', async () => {
    await withApp({ RATE_LIMIT_PER_MINUTE: '4' }, async (t, base) => {
      const sent = Array.from({ length: 4 }, () => aMeterReading());
      for (const reading of sent) expect((await ingest(base, DEVICE_KEY, reading)).status).toBe(201);
      const over = aMeterReading();
      expectTooManyRequests(await ingest(base, OTHER_DEVICE_KEY, over));
      expect(await storedMeters(t.db, [...sent, over])).toBe(4);
    });
  });
});

describe('per-credential limits (opt-in)', () => {
  it('limits each device key on its own when RATE_LIMIT_DEVICE_KEY_PER_MINUTE is set; other roles unaffected', async () => {
    await withApp({ RATE_LIMIT_DEVICE_KEY_PER_MINUTE: '5' }, async (t, base) => {
      const sent = Array.from({ length: 5 }, () => aMeterReading());
      for (const reading of sent) expect((await ingest(base, DEVICE_KEY, reading)).status).toBe(201);
      const over = aMeterReading();
      expectTooManyRequests(await ingest(base, DEVICE_KEY, over));
      expect(await storedMeters(t.db, [...sent, over])).toBe(5);

      // Another device key has its own budget, and operator keys have none (0: off).
      expect((await ingest(base, OTHER_DEVICE_KEY, aMeterReading())).status).toBe(201);
      for (let i = 0; i < 8; i += 1) {
        expect((await send(`${base}/v1/links`, { headers: { 'x-api-key': OPERATOR_KEY } })).status).toBe(200);
      }
    });
  });

  it('limits operator keys when RATE_LIMIT_OPERATOR_KEY_PER_MINUTE is set', async () => {
    await withApp({ RATE_LIMIT_OPERATOR_KEY_PER_MINUTE: '2' }, async (_t, base) => {
      const links = (): Promise<HttpResult> => send(`${base}/v1/links`, { headers: { 'x-api-key': OPERATOR_KEY } });
      expect((await links()).status).toBe(200);
      expect((await links()).status).toBe(200);
      expectTooManyRequests(await links());
      expect((await ingest(base, DEVICE_KEY, aMeterReading())).status).toBe(201);
    });
  });
});

describe('TRUST_PROXY', () => {
  const LIMIT = 3;
  const from = (client: string): Record<string, string> => ({ 'x-forwarded-for': client });

  it('ignores X-Forwarded-For by default: a client cannot pick a fresh address to escape its budget', async () => {
    await withApp({ RATE_LIMIT_FAILED_AUTH_PER_MINUTE: String(LIMIT) }, async (_t, base) => {
      const statuses = [];
      for (let i = 0; i < LIMIT + 2; i += 1) {
        statuses.push((await ingest(base, randomKey(), aMeterReading(), from(`203.0.113.${i + 1}`))).status);
      }
      expect(statuses).toEqual([401, 401, 401, 429, 429]);
    });
  });

  it('counts the client behind a trusted proxy when set', async () => {
    await withApp({ RATE_LIMIT_FAILED_AUTH_PER_MINUTE: String(LIMIT), TRUST_PROXY: 'loopback' }, async (_t, base) => {
      const statuses = [];
      for (let i = 0; i < LIMIT + 1; i += 1) {
        statuses.push((await ingest(base, randomKey(), aMeterReading(), from('203.0.113.7'))).status);
      }
      expect(statuses).toEqual([401, 401, 401, 429]);
      // Another client behind the same proxy has its own budget.
      expect((await ingest(base, randomKey(), aMeterReading(), from('203.0.113.8'))).status).toBe(401);
    });
  });
});

describe('with REDIS_URL: budgets shared by replicas', () => {
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    const keys = await redis.keys(`${REDIS_KEY_PREFIX}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  it('shares the failed-authentication budget of an address between two instances', async () => {
    const LIMIT = 6;
    const databaseUrl = await createTestDatabase();
    const env = {
      API_KEYS,
      REDIS_URL,
      REDIS_KEY_PREFIX,
      RATE_LIMIT_FAILED_AUTH_PER_MINUTE: String(LIMIT),
    };
    const apps: NestFastifyApplication[] = [];
    try {
      apps.push(await createAppOn(databaseUrl, env), await createAppOn(databaseUrl, env));
      const [a, b] = await Promise.all(apps.map((app) => listen(app)));
      const statuses = [];
      for (let i = 0; i < LIMIT; i += 1) {
        statuses.push((await ingest(i % 2 === 0 ? a! : b!, randomKey(), aMeterReading())).status);
      }
      expect(statuses).toEqual(Array<number>(LIMIT).fill(401));
      expectTooManyRequests(await ingest(a!, randomKey(), aMeterReading()));
      expectTooManyRequests(await ingest(b!, randomKey(), aMeterReading()));
      expect((await ingest(b!, DEVICE_KEY, aMeterReading())).status).toBe(201);
      expect(await redis.keys(`${REDIS_KEY_PREFIX}*failed-auth:*`)).toHaveLength(1);
    } finally {
      for (const app of apps) await app.close();
      await dropTestDatabase(databaseUrl);
    }
  });

  it('fails open while Redis is unreachable: nothing refused, every skipped check counted in a metric', async () => {
    const databaseUrl = await createTestDatabase();
    const app = await createAppOn(databaseUrl, {
      API_KEYS,
      REDIS_URL: 'redis://127.0.0.1:1',
      RATE_LIMIT_PER_MINUTE: '1',
      RATE_LIMIT_FAILED_AUTH_PER_MINUTE: '1',
    });
    try {
      const base = await listen(app);
      const db = TestDb.connect(databaseUrl);
      try {
        const readings = Array.from({ length: 3 }, () => aMeterReading());
        for (const reading of readings) expect((await ingest(base, DEVICE_KEY, reading)).status).toBe(201);
        expect(await storedMeters(db, readings)).toBe(3);
      } finally {
        await db.close();
      }
      for (let i = 0; i < 3; i += 1) expect((await ingest(base, randomKey(), aMeterReading())).status).toBe(401);
      const errors = await app.get(Metrics).registry.getSingleMetric('rate_limit_store_errors_total')!.get();
      expect(errors.values[0]!.value).toBeGreaterThanOrEqual(6);
    } finally {
      await app.close();
      await dropTestDatabase(databaseUrl);
    }
  });
});
