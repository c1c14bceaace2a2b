import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { hashApiKey } from '../../src/auth/api-keys.ts';
import { createTestApp, type TestApp } from '../setup/test-app.ts';
import { ResponseSchemas } from '../support/openapi.ts';
import { aMeterReading, aVehicleReading, uniqueId } from '../support/readings.ts';

/**
 * The document is the contract: every answer the routes really give (success, refusals, errors)
 * validates against the schema the served document declares for that route and status, with no
 * undocumented field.
 */

const DEVICE_KEY = randomBytes(24).toString('base64url');
const OPERATOR_KEY = randomBytes(24).toString('base64url');
const device = { 'x-api-key': DEVICE_KEY };
const operator = { authorization: `Bearer ${OPERATOR_KEY}` };

let t: TestApp;
let schemas: ResponseSchemas;
/** Every route and status that got a JSON answer in this file. */
const checked = new Set<string>();

beforeAll(async () => {
  t = await createTestApp({
    env: {
      API_KEYS: `device:${hashApiKey(DEVICE_KEY)},operator:${hashApiKey(OPERATOR_KEY)}`,
      BODY_LIMIT_BYTES: '2048',
    },
  });
  schemas = new ResponseSchemas((await request(t.server).get('/docs/json').expect(200)).body);
});

afterAll(async () => {
  await t?.close();
});

async function expectDocumented(
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  template: string,
  url: string,
  expected: number,
  options: { headers?: Record<string, string>; body?: unknown; contentType?: string } = {},
): Promise<unknown> {
  let req =
    method === 'GET'
      ? request(t.server).get(url)
      : method === 'POST'
        ? request(t.server).post(url)
        : method === 'PUT'
          ? request(t.server).put(url)
          : request(t.server).delete(url);
  for (const [name, value] of Object.entries(options.headers ?? {})) req = req.set(name, value);
  if (options.contentType) req = req.set('content-type', options.contentType);
  if (options.body !== undefined) req = req.send(options.body as object);
  const res = await req;
  expect({ url, status: res.status }).toEqual({ url, status: expected });
  const validate = schemas.validator(method, template, res.status);
  const valid = validate(res.body);
  expect({ url, status: res.status, errors: valid ? [] : validate.errors }).toEqual({
    url,
    status: res.status,
    errors: [],
  });
  checked.add(`${method} ${template} ${res.status}`);
  return res.body;
}

it('POST /v1/telemetry: 201, 400, 401, 403, 413, 415', async () => {
  const path = '/v1/telemetry';
  await expectDocumented('POST', path, path, 201, { headers: device, body: aMeterReading() });
  await expectDocumented('POST', path, path, 201, { headers: device, body: [aMeterReading(), aVehicleReading()] });
  await expectDocumented('POST', path, path, 400, { headers: device, body: aMeterReading({ voltage: -1 }) });
  await expectDocumented('POST', path, path, 401, { body: aMeterReading() });
  await expectDocumented('POST', path, path, 403, { headers: operator, body: aMeterReading() });
  await expectDocumented('POST', path, path, 413, {
    headers: device,
    body: Array.from({ length: 30 }, () => aMeterReading()),
  });
  await expectDocumented('POST', path, path, 415, { headers: device, body: 'x', contentType: 'text/plain' });
});

it('live state: one device (200, 404, 400) and pages (200, 400), meters and vehicles', async () => {
  const meter = aMeterReading();
  const vehicle = aVehicleReading();
  await request(t.server).post('/v1/telemetry').set(device).send([meter, vehicle]).expect(201);
  const one = '/v1/meters/{meterId}/live';
  await expectDocumented('GET', one, `/v1/meters/${meter.meterId}/live`, 200, { headers: operator });
  await expectDocumented('GET', one, `/v1/meters/${uniqueId('m')}/live`, 404, { headers: operator });
  await expectDocumented('GET', one, '/v1/meters/bad%20id/live', 400, { headers: operator });
  const oneVehicle = '/v1/vehicles/{vehicleId}/live';
  await expectDocumented('GET', oneVehicle, `/v1/vehicles/${vehicle.vehicleId}/live`, 200, { headers: operator });
  await expectDocumented('GET', oneVehicle, `/v1/vehicles/${uniqueId('v')}/live`, 404, { headers: operator });
  const meters = (await expectDocumented('GET', '/v1/meters/live', '/v1/meters/live?limit=1', 200, {
    headers: operator,
  })) as { items: unknown[]; nextCursor: string | null };
  expect(meters.items).toHaveLength(1);
  await expectDocumented('GET', '/v1/meters/live', '/v1/meters/live?limit=0', 400, { headers: operator });
  await expectDocumented('GET', '/v1/vehicles/live', '/v1/vehicles/live?staleMinutes=1', 200, { headers: operator });
  await expectDocumented('GET', '/v1/vehicles/live', '/v1/vehicles/live', 401);
});

it('links and analytics: periods, history, unlink, vehicle, meter and fleet views', async () => {
  const vehicleId = uniqueId('ev');
  const meterId = uniqueId('meter');
  await expectDocumented('POST', '/v1/links', '/v1/links', 201, { headers: operator, body: { vehicleId, meterId } });
  await expectDocumented('POST', '/v1/links', '/v1/links', 400, { headers: operator, body: { vehicleId } });
  const moved = new Date(Date.now() - 60 * 60 * 1000).toISOString();
  await expectDocumented('POST', '/v1/links', '/v1/links', 200, {
    headers: operator,
    body: { vehicleId, meterId: uniqueId('meter'), validFrom: moved },
  });
  await expectDocumented('POST', '/v1/links', '/v1/links', 409, {
    headers: operator,
    body: { vehicleId, meterId, validFrom: new Date(Date.parse(moved) - 60_000).toISOString() },
  });
  const history = '/v1/links/{vehicleId}/history';
  await expectDocumented('GET', history, `/v1/links/${vehicleId}/history`, 200, { headers: operator });
  await expectDocumented('GET', history, `/v1/links/${uniqueId('ev')}/history`, 404, { headers: operator });
  const meterView = '/v1/analytics/meters/{meterId}';
  await expectDocumented('GET', meterView, `/v1/analytics/meters/${meterId}?bucket=1h`, 200, { headers: operator });
  await expectDocumented('GET', meterView, `/v1/analytics/meters/${uniqueId('meter')}`, 404, { headers: operator });
  await expectDocumented('GET', meterView, `/v1/analytics/meters/${meterId}?tz=CEST`, 400, { headers: operator });
  await expectDocumented('GET', '/v1/links/{vehicleId}', `/v1/links/${vehicleId}`, 200, { headers: operator });
  await expectDocumented('GET', '/v1/links/{vehicleId}', `/v1/links/${uniqueId('ev')}`, 404, { headers: operator });
  await expectDocumented('GET', '/v1/links', '/v1/links?limit=1', 200, { headers: operator });
  const performance = '/v1/analytics/performance/{vehicleId}';
  await expectDocumented('GET', performance, `/v1/analytics/performance/${vehicleId}`, 200, { headers: operator });
  await expectDocumented('GET', performance, `/v1/analytics/performance/${uniqueId('ev')}`, 404, {
    headers: operator,
  });
  await expectDocumented('GET', performance, `/v1/analytics/performance/${vehicleId}?bucket=1h`, 200, {
    headers: operator,
  });
  await expectDocumented('GET', '/v1/analytics/fleet', '/v1/analytics/fleet', 200, { headers: operator });
  await expectDocumented('GET', '/v1/analytics/fleet', '/v1/analytics/fleet?status=ok&tz=Europe/Berlin', 200, {
    headers: operator,
  });
  await expectDocumented('GET', '/v1/meters/{meterId}/readings', `/v1/meters/${meterId}/readings`, 200, {
    headers: operator,
  });
  await expectDocumented(
    'GET',
    '/v1/vehicles/{vehicleId}/readings',
    `/v1/vehicles/${vehicleId}/readings?limit=0`,
    400,
    {
      headers: operator,
    },
  );
  await expectDocumented('GET', '/v1/vehicles/{vehicleId}/readings', `/v1/vehicles/${vehicleId}/readings`, 200, {
    headers: operator,
  });
  await expectDocumented('GET', '/v1/meters/{meterId}', `/v1/meters/${uniqueId('meter')}`, 404, { headers: operator });
  await expectDocumented('GET', '/v1/vehicles/{vehicleId}', `/v1/vehicles/${uniqueId('ev')}`, 404, {
    headers: operator,
  });
  await expectDocumented('GET', '/v1/meters', '/v1/meters', 200, { headers: operator });
  await expectDocumented('GET', '/v1/vehicles', '/v1/vehicles?limit=0', 400, { headers: operator });
  await expectDocumented('GET', '/v1/vehicles', '/v1/vehicles', 200, { headers: operator });
  await expectDocumented('PUT', '/v1/meters/{meterId}', `/v1/meters/${uniqueId('meter')}`, 200, {
    headers: operator,
    body: { energyMode: 'register' },
  });
  await expectDocumented('PUT', '/v1/vehicles/{vehicleId}', `/v1/vehicles/${uniqueId('ev')}`, 200, {
    headers: operator,
    body: { energyMode: 'interval' },
  });
  await expectDocumented('PUT', '/v1/vehicles/{vehicleId}', `/v1/vehicles/${uniqueId('ev')}`, 400, {
    headers: operator,
    body: { energyMode: 'odometer' },
  });
  const registered = uniqueId('ev');
  await expectDocumented('PUT', '/v1/vehicles/{vehicleId}', `/v1/vehicles/${registered}`, 200, {
    headers: operator,
    body: { energyMode: 'register' },
  });
  await expectDocumented('GET', '/v1/vehicles/{vehicleId}', `/v1/vehicles/${registered}`, 200, { headers: operator });
  await expectDocumented('GET', '/v1/meters/{meterId}', `/v1/meters/${uniqueId('meter')}`, 404, { headers: operator });
  const unlink = '/v1/links/{vehicleId}';
  await expectDocumented('DELETE', unlink, `/v1/links/${vehicleId}`, 200, { headers: operator });
  await expectDocumented('DELETE', unlink, `/v1/links/${vehicleId}`, 404, { headers: operator });
});

it('health, liveness, and the metrics refusals', async () => {
  await expectDocumented('GET', '/health', '/health', 200);
  await expectDocumented('GET', '/health/live', '/health/live', 200);
  await expectDocumented('GET', '/metrics', '/metrics', 403, { headers: device });
});

it('checked at least one answer of every documented route', async () => {
  const spec = (await request(t.server).get('/docs/json').expect(200)).body as { paths: Record<string, object> };
  const documented = Object.entries(spec.paths).flatMap(([path, methods]) =>
    Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
  );
  const covered = new Set([...checked].map((entry) => entry.split(' ').slice(0, 2).join(' ')));
  // /metrics answers text, not JSON: its 200 is checked as text here.
  const metrics = (await request(t.server).get('/metrics').set(operator).expect(200)).text;
  expect(metrics).toContain('# HELP');
  // The pool figures come from database/ (DatabasePool): a connected pool has at least one connection.
  expect(Number(/^db_pool_connections\{state="total"\} (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(1);
  covered.add('GET /metrics');
  expect(documented.filter((route) => !covered.has(route))).toEqual([]);
});
