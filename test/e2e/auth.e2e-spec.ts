import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { hashApiKey } from '../../src/auth/api-keys.ts';
import { createTestApp, type TestApp } from '../setup/test-app.ts';
import { expectErrorBody } from '../support/http.ts';
import { aMeterReading, aVehicleReading, uniqueId } from '../support/readings.ts';
import { discoverRoutes } from '../support/routes.ts';

const DEVICE_KEY = randomBytes(32).toString('base64url');
const OPERATOR_KEY = randomBytes(32).toString('base64url');
const API_KEYS = `device:${hashApiKey(DEVICE_KEY)},operator:${hashApiKey(OPERATOR_KEY)}`;

type Role = 'device' | 'operator';

/** Routes deliberately open: the probes. Every other route (the metrics scrape included) needs a role. */
const OPEN_ROUTES = ['GET /health', 'GET /health/live'];
type Credential = 'none' | 'bad' | Role;
type Style = 'bearer' | 'x-api-key';

function headersFor(credential: Credential, style: Style): Record<string, string> {
  if (credential === 'none') return {};
  const key = credential === 'bad' ? 'not-a-configured-key' : credential === 'device' ? DEVICE_KEY : OPERATOR_KEY;
  return style === 'bearer' ? { authorization: `Bearer ${key}` } : { 'x-api-key': key };
}

interface Route {
  name: string;
  role: Role;
  /** Sends the request; returns a probe that counts what this request stored (writes only). */
  call(t: TestApp, headers: Record<string, string>): Promise<{ res: request.Response; stored?: () => Promise<number> }>;
}

let linkedVehicle: string;

const ROUTES: Route[] = [
  {
    name: 'POST /v1/telemetry',
    role: 'device',
    async call(t, headers) {
      const reading = aMeterReading();
      const res = await request(t.server).post('/v1/telemetry').set(headers).send(reading);
      return { res, stored: () => t.db.count('meter_telemetry', 'meter_id = $1', [reading.meterId]) };
    },
  },
  {
    name: 'POST /v1/links',
    role: 'operator',
    async call(t, headers) {
      const vehicleId = uniqueId('v');
      const res = await request(t.server)
        .post('/v1/links')
        .set(headers)
        .send({ vehicleId, meterId: uniqueId('m') });
      return { res, stored: () => t.db.count('fleet_links', 'vehicle_id = $1', [vehicleId]) };
    },
  },
  {
    name: 'GET /v1/links',
    role: 'operator',
    async call(t, headers) {
      return { res: await request(t.server).get('/v1/links').set(headers) };
    },
  },
  {
    name: 'GET /v1/links/:vehicleId',
    role: 'operator',
    async call(t, headers) {
      return { res: await request(t.server).get(`/v1/links/${linkedVehicle}`).set(headers) };
    },
  },
  {
    name: 'GET /v1/analytics/performance/:vehicleId',
    role: 'operator',
    async call(t, headers) {
      return { res: await request(t.server).get(`/v1/analytics/performance/${linkedVehicle}`).set(headers) };
    },
  },
];

function expectedOutcome(credential: Credential, required: Role): 401 | 403 | 'ok' {
  if (credential === 'none' || credential === 'bad') return 401;
  return credential === required ? 'ok' : 403;
}

/** `POST /v1/links` stays as it is; a bare path means GET. */
function withMethod(route: string): string {
  return route.includes(' ') ? route : `GET ${route}`;
}

const CASES = ROUTES.flatMap((route) =>
  (['none', 'bad', 'device', 'operator'] as const).flatMap((credential) =>
    (credential === 'none' ? (['bearer'] as const) : (['bearer', 'x-api-key'] as const)).map((style) => ({
      route,
      credential,
      style,
      expected: expectedOutcome(credential, route.role),
    })),
  ),
);

describe('API keys and roles', () => {
  let t: TestApp;
  beforeAll(async () => {
    // Dozens of deliberate 401/403s from one address: above the failed-authentication budget (rate-limits.e2e-spec).
    t = await createTestApp({
      env: { API_KEYS, RATE_LIMIT_PER_MINUTE: '0', RATE_LIMIT_FAILED_AUTH_PER_MINUTE: '100000' },
    });
    linkedVehicle = uniqueId('v');
    await request(t.server)
      .post('/v1/links')
      .set('x-api-key', OPERATOR_KEY)
      .send({ vehicleId: linkedVehicle, meterId: uniqueId('m') })
      .expect(201);
  });
  afterAll(async () => {
    await t.close();
  });

  it.each(
    CASES.map(
      (c) =>
        [c.route.name, c.credential === 'none' ? 'no key' : `${c.credential} key (${c.style})`, c.expected, c] as const,
    ),
  )('%s with %s → %s', async (_name, _label, expected, { route, credential, style }) => {
    const { res, stored } = await route.call(t, headersFor(credential, style));
    if (expected === 'ok') {
      expect(res.status).toBeGreaterThanOrEqual(200);
      expect(res.status).toBeLessThan(300);
      if (stored) expect(await stored()).toBe(1);
      return;
    }
    expectErrorBody(res, expected);
    if (expected === 401) expect(res.headers['www-authenticate']).toBe('Bearer');
    else expect(res.headers['www-authenticate']).toBeUndefined();
    if (stored) expect(await stored()).toBe(0);
  });

  it('guards every route the application has (found from its metadata) by a role, except the probes', () => {
    const routes = discoverRoutes(t.app);
    expect(routes.map((route) => `${route.method} ${route.path}`)).toEqual(
      expect.arrayContaining([...ROUTES.map((route) => route.name), '/health', '/health/live'].map(withMethod)),
    );
    const open = routes.filter((route) => route.role === undefined).map((route) => `${route.method} ${route.path}`);
    expect(open.filter((route) => !OPEN_ROUTES.includes(route))).toEqual([]);
  });

  it('answers every guarded route 401 without a key, 403 with the other role, and lets its role through', async () => {
    const problems: string[] = [];
    const guarded = discoverRoutes(t.app).filter((route) => route.role !== undefined);
    for (const route of guarded) {
      const call = async (headers: Record<string, string>): Promise<request.Response> => {
        const req = request(t.server)[route.method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete'](
          route.concretePath,
        );
        return route.method === 'GET' || route.method === 'DELETE' ? req.set(headers) : req.set(headers).send({});
      };
      const other: Role = route.role === 'device' ? 'operator' : 'device';
      const anonymous = await call({});
      if (anonymous.status !== 401 || anonymous.headers['www-authenticate'] !== 'Bearer') {
        problems.push(`${route.method} ${route.path} without a key: ${anonymous.status}`);
      }
      const wrong = await call(headersFor(other, 'bearer'));
      if (wrong.status !== 403) problems.push(`${route.method} ${route.path} with a ${other} key: ${wrong.status}`);
      const right = await call(headersFor(route.role!, 'x-api-key'));
      if ([401, 403].includes(right.status) || right.status >= 500) {
        problems.push(`${route.method} ${route.path} with a ${route.role} key: ${right.status}`);
      }
    }
    expect(guarded.length).toBeGreaterThanOrEqual(ROUTES.length);
    expect(problems).toEqual([]);
  });

  it('checks the key before the body: an unauthenticated invalid body is 401, not 400', async () => {
    const res = await request(t.server).post('/v1/telemetry').send({ meterId: "'; --", voltage: 'x' });
    expectErrorBody(res, 401);
  });

  it.each([
    ['the configured hash sent as the key', { 'x-api-key': hashApiKey(DEVICE_KEY) }],
    ['a Basic scheme', { authorization: `Basic ${DEVICE_KEY}` }],
    ['a Bearer without a key', { authorization: 'Bearer ' }],
    ['the key with a trailing character', { authorization: `Bearer ${DEVICE_KEY}x` }],
    ['the bare key as the Authorization value', { authorization: DEVICE_KEY }],
  ])('refuses %s with 401 and stores nothing', async (_what, headers) => {
    const reading = aVehicleReading();
    const res = await request(t.server).post('/v1/telemetry').set(headers).send(reading);
    expectErrorBody(res, 401);
    expect(await t.db.count('vehicle_telemetry', 'vehicle_id = $1', [reading.vehicleId])).toBe(0);
  });

  it('accepts the Bearer scheme in any case (RFC 7235)', async () => {
    const reading = aMeterReading();
    await request(t.server)
      .post('/v1/telemetry')
      .set('authorization', `bearer ${DEVICE_KEY}`)
      .send(reading)
      .expect(201);
    expect(await t.db.count('meter_telemetry', 'meter_id = $1', [reading.meterId])).toBe(1);
  });

  it.each(['/health', '/health/live'])('leaves %s open', async (path) => {
    await request(t.server).get(path).expect(200);
  });
});

describe('without API keys configured (development)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('opens every route', async () => {
    const reading = aMeterReading();
    await request(t.server).post('/v1/telemetry').send(reading).expect(201);
    await request(t.server)
      .post('/v1/links')
      .send({ vehicleId: uniqueId('v'), meterId: reading.meterId })
      .expect(201);
    await request(t.server).get('/v1/links').expect(200);
  });
});

describe('security headers', () => {
  it('sends security headers on success and error responses (served over TLS: PUBLIC_URL https)', async () => {
    const fresh = await createTestApp({
      env: { API_KEYS, RATE_LIMIT_PER_MINUTE: '0', PUBLIC_URL: 'https://energy.example.com' },
    });
    try {
      const responses = [
        await request(fresh.server).get('/health/live').expect(200),
        await request(fresh.server).get('/v1/links').expect(401),
        await request(fresh.server)
          .post('/v1/telemetry')
          .set('x-api-key', DEVICE_KEY)
          .send(aMeterReading())
          .expect(201),
        await request(fresh.server).post('/v1/telemetry').set('x-api-key', DEVICE_KEY).send({}).expect(400),
        await request(fresh.server).get('/no/such/route').expect(404),
      ];
      for (const res of responses) {
        expect(res.headers).toEqual(
          expect.objectContaining({
            'x-content-type-options': 'nosniff',
            'x-frame-options': expect.any(String),
            'content-security-policy': expect.any(String),
            'strict-transport-security': expect.any(String),
            'referrer-policy': expect.any(String),
          }),
        );
        expect(res.headers['x-powered-by']).toBeUndefined();
      }
    } finally {
      await fresh.close();
    }
  });
});
