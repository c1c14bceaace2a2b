import pg from 'pg';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { createTestApp, type TestApp } from '../setup/test-app.ts';
import { withAdmin } from '../setup/test-db.ts';

let t: TestApp;
let databaseName: string;
let databaseUrl: string;

beforeAll(async () => {
  t = await createTestApp();
  databaseUrl = (t.app.get(DataSource).options as { url: string }).url;
  databaseName = new URL(databaseUrl).pathname.slice(1);
});
afterAll(async () => {
  await restoreDatabase(); // even if a test failed half-way, so that the database can be dropped
  await t.close();
});

/**
 * Makes the test database really unreachable for the service: no new connection is accepted
 * (not even a superuser's), and every open session of the service is terminated. The test's own
 * read-back pool (t.db) is left alone: pg.Pool throws from an idle client killed under it.
 */
async function takeDatabaseDown(): Promise<void> {
  // A request right before, so the service surely holds a pooled session (idle ones close after a while).
  await request(t.server).get('/health').expect(200);
  await withAdmin(async (admin) => {
    await admin.query(`ALTER DATABASE ${pg.escapeIdentifier(databaseName)} ALLOW_CONNECTIONS false`);
    const { rows } = await admin.query<{ n: number }>(
      `SELECT (count(*) FILTER (WHERE pg_terminate_backend(pid, 5000)))::int AS n FROM pg_stat_activity
       WHERE datname = $1 AND application_name = 'energy-ingestion' AND pid <> pg_backend_pid()`,
      [databaseName],
    );
    // The service had sessions open, and they are gone (the call waits up to 5 s for each to exit).
    expect(rows[0]!.n).toBeGreaterThan(0);
    const { rows: left } = await admin.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = 'energy-ingestion'`,
      [databaseName],
    );
    expect(left[0]!.n).toBe(0);
  });
}

async function restoreDatabase(): Promise<void> {
  await withAdmin((admin) => admin.query(`ALTER DATABASE ${pg.escapeIdentifier(databaseName)} ALLOW_CONNECTIONS true`));
}

describe('health', () => {
  it('GET /health answers 200 with the database up', async () => {
    const res = await request(t.server).get('/health').expect(200);

    expect(res.body).toEqual({ status: 'ok', checks: { database: 'up' } });
  });

  it('GET /health/live answers 200', async () => {
    const res = await request(t.server).get('/health/live').expect(200);

    expect(res.body).toEqual({ status: 'ok' });
  });

  it('reports 503 while the database is unreachable, stays live, and recovers once it is back', async () => {
    await takeDatabaseDown();
    try {
      // Really unreachable: a fresh connection is refused.
      const probe = new pg.Client({ connectionString: databaseUrl });
      await expect(probe.connect()).rejects.toThrow(/not currently accepting connections/);
      await probe.end().catch(() => undefined);

      const down = await request(t.server).get('/health').expect(503);
      expect(down.body).toEqual({ status: 'unavailable', checks: { database: 'down' } });

      // Asked again, still down: the answer is not a one-off of the terminated connections.
      await request(t.server).get('/health').expect(503);

      const live = await request(t.server).get('/health/live').expect(200);
      expect(live.body).toEqual({ status: 'ok' });
    } finally {
      await restoreDatabase();
    }

    const up = await request(t.server).get('/health').expect(200);
    expect(up.body).toEqual({ status: 'ok', checks: { database: 'up' } });
    // And the service works again end to end, not only its ping.
    await request(t.server).post('/v1/links').send({ vehicleId: 'health-veh', meterId: 'health-met' }).expect(201);
    expect(await t.db.count('fleet_links', 'vehicle_id = $1', ['health-veh'])).toBe(1);
  });
});
