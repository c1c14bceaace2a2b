import request from 'supertest';
import { createTestApp, type TestApp } from '../setup/test-app.ts';
import { ResponseSchemas } from '../support/openapi.ts';
import { aMeterReading, aVehicleReading } from '../support/readings.ts';
import { discoverRoutes } from '../support/routes.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t.close();
});

/** Every route the application registered, as `METHOD /path` with OpenAPI-style `{params}`. */
function declaredRoutes(): string[] {
  return discoverRoutes(t.app)
    .map((route) => `${route.method} ${route.path.replace(/:(\w+)/g, '{$1}')}`)
    .sort();
}

describe('OpenAPI', () => {
  it('lists every route the controllers declare, and nothing else', async () => {
    const res = await request(t.server).get('/docs/json').expect(200);
    const spec = res.body as { paths: Record<string, Record<string, unknown>> };
    const documented = Object.entries(spec.paths)
      .flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`))
      .sort();

    const declared = declaredRoutes();
    expect(declared.length).toBeGreaterThanOrEqual(13); // guards the traversal itself: 13 routes today
    expect(documented).toEqual(declared);
  });

  it('documents the telemetry body, its answer and the error shape', async () => {
    const spec = (await request(t.server).get('/docs/json').expect(200)).body;
    const ingest = spec.paths['/v1/telemetry'].post;
    expect(ingest.requestBody.content['application/json'].schema.oneOf).toHaveLength(3);
    expect(Object.keys(ingest.responses).sort()).toEqual(['201', '400', '401', '403', '413', '415', '429', '503']);
    expect(ingest.responses['400'].content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/ErrorBody',
    });
    expect(spec.components.schemas.ErrorBody.required).toEqual(['statusCode', 'error', 'message']);
  });

  it('describes a body rule as the validator applies it (same constants, both sides)', async () => {
    const spec = (await request(t.server).get('/docs/json').expect(200)).body;
    const meter = new ResponseSchemas(spec).component('MeterReading');
    const vehicle = new ResponseSchemas(spec).component('VehicleReading');
    const cases: Array<[string, object, (body: object) => boolean]> = [
      ['a valid meter reading', aMeterReading(), meter],
      ['a valid vehicle reading', aVehicleReading(), vehicle],
      ['voltage 0', aMeterReading({ voltage: 0 }), meter],
      ['kWh above the limit', aMeterReading({ kwhConsumedAc: 100.5 }), meter],
      ['an id with a space', aMeterReading({ meterId: 'meter 1' }), meter],
      ['a 65-character id', aMeterReading({ meterId: 'm'.repeat(65) }), meter],
      ['soc above 100', aVehicleReading({ soc: 100.5 }), vehicle],
      ['battery below -40', aVehicleReading({ batteryTemp: -41 }), vehicle],
    ];
    for (const [why, body, documented] of cases) {
      const status = (await request(t.server).post('/v1/telemetry').send(body)).status;
      expect({ why, documented: documented(body), api: status }).toEqual({
        why,
        documented: status === 201,
        api: status,
      });
    }
  });

  it('names the server, the license, opaque key schemes and public health routes', async () => {
    const spec = (await request(t.server).get('/docs/json').expect(200)).body;
    expect(spec.servers).toEqual([expect.objectContaining({ url: '/' })]);
    expect(spec.info.license.name).toEqual(expect.any(String));
    expect(spec.components.securitySchemes).toEqual({
      bearer: { type: 'http', scheme: 'bearer', description: expect.any(String) },
      'x-api-key': { type: 'apiKey', in: 'header', name: 'x-api-key', description: expect.any(String) },
    });
    expect(spec.paths['/health'].get.security).toEqual([]);
    expect(spec.paths['/v1/telemetry'].post.security).toEqual([{ bearer: [] }, { 'x-api-key': [] }]);
    expect(spec.paths['/v1/meters/{meterId}/live'].get.parameters).toEqual([
      expect.objectContaining({ name: 'meterId', in: 'path', schema: expect.objectContaining({ maxLength: 64 }) }),
    ]);
  });

  it('serves the UI at /docs without sending plain-HTTP browsers to https', async () => {
    const res = await request(t.server).get('/docs').redirects(1).expect(200);
    expect(res.text).toContain('swagger-ui');
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
    expect(res.headers['strict-transport-security']).toBeUndefined();
  });
});

describe('OpenAPI settings', () => {
  it('with an https PUBLIC_URL: lists it as the server and keeps browsers on TLS', async () => {
    const tls = await createTestApp({ env: { PUBLIC_URL: 'https://energy.example.test' } });
    try {
      const res = await request(tls.server).get('/docs/json').expect(200);
      expect(res.body.servers).toEqual([expect.objectContaining({ url: 'https://energy.example.test' })]);
      expect(res.headers['content-security-policy']).toContain('upgrade-insecure-requests');
      expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
    } finally {
      await tls.close();
    }
  });

  it('DOCS_ENABLED=false: no UI and no document', async () => {
    const off = await createTestApp({ env: { DOCS_ENABLED: 'false' } });
    try {
      for (const path of ['/docs', '/docs/json', '/docs/yaml']) {
        expect({ path, status: (await request(off.server).get(path)).status }).toEqual({ path, status: 404 });
      }
    } finally {
      await off.close();
    }
  });
});
