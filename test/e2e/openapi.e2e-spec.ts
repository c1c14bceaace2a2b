import request from 'supertest';
import { createTestApp, type TestApp } from '../setup/test-app.ts';
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
    expect(ingest.responses['400'].content['application/json'].schema.required).toEqual([
      'statusCode',
      'error',
      'message',
    ]);
  });

  it('serves the UI at /docs', async () => {
    const res = await request(t.server).get('/docs').redirects(1).expect(200);
    expect(res.text).toContain('swagger-ui');
  });
});
