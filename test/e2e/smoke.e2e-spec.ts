import request from 'supertest';
import { createTestApp, type TestApp } from '../setup/test-app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t.close();
});

it('stores a meter reading', async () => {
  const res = await request(t.server)
    .post('/v1/telemetry')
    .send({ meterId: 'm-1', kwhConsumedAc: 1.25, voltage: 230, timestamp: new Date().toISOString() })
    .expect(201);
  expect(res.body).toEqual({ accepted: 1, duplicates: 0, suspect: 0, conflicts: 0 });
  expect(await t.db.count('meter_telemetry')).toBe(1);
});
