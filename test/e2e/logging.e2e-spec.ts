import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { hashApiKey } from '../../src/auth/api-keys.ts';
import { createTestApp, type TestApp } from '../setup/test-app.ts';
import { expectErrorBody } from '../support/http.ts';
import { aMeterReading } from '../support/readings.ts';

/**
 * One log pipeline: every line written while a request is handled carries its id (the client's
 * x-request-id, else the UUID echoed back), and a refused request's line says why, about which
 * device and for which role, never with the key. Lines are read back from the logger's own stream.
 */

interface LogLine {
  level: number;
  msg?: string;
  reqId?: string;
  [field: string]: unknown;
}

const WARN = 40;
const DEBUG = 20;
const DEVICE_KEY = randomBytes(24).toString('base64url');
const OPERATOR_KEY = randomBytes(24).toString('base64url');
const written: string[] = [];
const lines = (): LogLine[] => written.map((text) => JSON.parse(text) as LogLine);
const linesOf = (reqId: string): LogLine[] => lines().filter((line) => line.reqId === reqId);

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({
    env: {
      LOG_LEVEL: 'debug',
      API_KEYS: `device:${hashApiKey(DEVICE_KEY)},operator:${hashApiKey(OPERATOR_KEY)}`,
    },
    logDestination: { write: (line: string) => void written.push(line) },
  });
});

afterAll(async () => {
  await t?.close();
});

it('stamps the lines of a refused reading with its x-request-id and says why, never with the key', async () => {
  const reading = aMeterReading({ voltage: -1 });
  const res = await request(t.server)
    .post('/v1/telemetry')
    .set('x-request-id', 'req-refused-reading-1')
    .set('x-api-key', DEVICE_KEY)
    .send(reading)
    .expect(400);
  expect(res.headers['x-request-id']).toBe('req-refused-reading-1');

  const own = linesOf('req-refused-reading-1');
  // The application's line, written by the error filter inside the request (after the body was parsed).
  expect(own).toContainEqual(
    expect.objectContaining({
      level: DEBUG,
      context: 'HttpErrorFilter',
      code: 'VALIDATION_FAILED',
      fields: ['voltage'],
    }),
  );
  expect(own).toContainEqual(
    expect.objectContaining({
      level: WARN,
      msg: 'request refused',
      code: 'VALIDATION_FAILED',
      route: '/v1/telemetry',
      statusCode: 400,
      deviceId: reading.meterId,
      role: 'device',
    }),
  );
  expect(written.join('\n')).not.toContain(DEVICE_KEY);
});

it('gives a request without x-request-id a UUID, echoed back and on its lines', async () => {
  const res = await request(t.server).get('/v1/links/ev-log-unknown').set('authorization', `Bearer ${OPERATOR_KEY}`);
  expect(res.status).toBe(404);
  const id = res.headers['x-request-id'] as string;
  expect(id).toMatch(/^[0-9a-f-]{36}$/);
  expect(linesOf(id)).toContainEqual(
    expect.objectContaining({
      level: WARN,
      code: 'LINK_NOT_FOUND',
      route: '/v1/links/:vehicleId',
      deviceId: 'ev-log-unknown',
      role: 'operator',
    }),
  );
  expect(written.join('\n')).not.toContain(OPERATOR_KEY);
});

it('logs a key of the wrong role by its role and a key that matches none as such', async () => {
  await request(t.server)
    .get('/metrics')
    .set('x-request-id', 'req-wrong-role')
    .set('x-api-key', DEVICE_KEY)
    .expect(403);
  await request(t.server).get('/metrics').set('x-request-id', 'req-bad-key').set('x-api-key', 'not-a-key').expect(401);
  expect(linesOf('req-wrong-role')).toContainEqual(
    expect.objectContaining({ level: WARN, code: 'FORBIDDEN', route: '/metrics', role: 'device' }),
  );
  expect(linesOf('req-bad-key')).toContainEqual(
    expect.objectContaining({ level: WARN, code: 'UNAUTHORIZED', role: 'unknown key' }),
  );
});

describe('errors Fastify raises before routing answer the one error shape', () => {
  it.each([
    ['an over-long path parameter (414)', `/v1/links/${'a'.repeat(300)}`, 414],
    ['bad percent-encoding in a parameter (400)', '/v1/links/%zz', 400],
  ])('%s', async (_why, path, status) => {
    const res = await request(t.server).get(path).set('x-request-id', `req-fastify-${status}`);
    expectErrorBody(res, status);
    expect(Object.keys(res.body as object).sort()).toEqual(['error', 'message', 'statusCode']);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['x-content-type-options']).toBe('nosniff'); // Nest's security headers still sent
    expect(linesOf(`req-fastify-${status}`)).toContainEqual(
      expect.objectContaining({ level: WARN, msg: 'request refused', statusCode: status }),
    );
  });
});
