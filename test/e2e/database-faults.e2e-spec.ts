import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import pg from 'pg';
import { Metrics } from '../../src/observability/metrics.ts';
import { createTestApp, type TestApp } from '../setup/test-app.ts';
import { createTestDatabase, dropTestDatabase, TestDb, withAdmin } from '../setup/test-db.ts';
import { createAppOn } from '../support/app-on-database.ts';
import { discoverRoutes } from '../support/routes.ts';
import { expectErrorBody, type HttpResult, inParallel, listen, pollUntil, postJson, send } from '../support/http.ts';
import {
  aMeterReading,
  aVehicleReading,
  expectStoredExactly,
  type MeterBody,
  readingsOf,
  type VehicleBody,
} from '../support/readings.ts';

/**
 * The database fails under the service: sessions killed mid-traffic, unreachable at start-up,
 * a full write queue, a table locked past the statement timeout. Whatever happens, a reading is
 * acknowledged (201) only once it is stored, every other answer is a 503 with Retry-After (never a
 * 500), and the service recovers on its own.
 */

const databaseName = (url: string): string => new URL(url).pathname.slice(1);

/** Terminates every session the service holds on the database; returns how many there were. */
async function terminateServiceSessions(database: string): Promise<number> {
  // Only the service's own sessions (its application_name): the test's read-back pool stays up.
  return withAdmin(async (admin) => {
    const { rows } = await admin.query<{ n: number }>(
      `SELECT (count(*) FILTER (WHERE pg_terminate_backend(pid)))::int AS n FROM pg_stat_activity
       WHERE datname = $1 AND application_name = 'energy-ingestion' AND pid <> pg_backend_pid()`,
      [database],
    );
    return rows[0]!.n;
  });
}

function expectUnavailable(res: HttpResult): void {
  expectErrorBody(res, 503);
  expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
}

const healthIs = (base: string, status: number) => async (): Promise<boolean> =>
  (await send(`${base}/health`)).status === status;

describe('sessions killed mid-traffic', () => {
  const TOTAL = 300;
  const CONCURRENCY = 20;
  /** Kill every service session when this many responses have come back. */
  const KILL_AFTER = [50, 90, 130, 170, 210, 250];
  let t: TestApp;
  let base: string;

  beforeAll(async () => {
    t = await createTestApp({ env: { RATE_LIMIT_PER_MINUTE: '0' } });
    base = await listen(t.app);
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers 201 or 503 (never 500), stores every 201 exactly once, and loses nothing on retry', async () => {
    const readings: Array<MeterBody | VehicleBody> = Array.from({ length: TOTAL }, (_, i) =>
      i % 3 === 0 ? aVehicleReading() : aMeterReading(),
    );
    const kills: Array<Promise<number>> = [];
    let answered = 0;
    const first = await inParallel(TOTAL, CONCURRENCY, async (i) => {
      const res = await postJson(`${base}/v1/telemetry`, JSON.stringify(readings[i]));
      answered += 1;
      if (KILL_AFTER.includes(answered)) kills.push(terminateServiceSessions(databaseName(t.config.DATABASE_URL!)));
      return res;
    });
    const killed = (await Promise.all(kills)).reduce((sum, n) => sum + n, 0);

    const statuses = first.map((res) => res.status);
    expect(statuses.filter((status) => status !== 201 && status !== 503)).toEqual([]);
    for (const res of first) {
      if (res.status === 201) expect(res.json).toEqual({ accepted: 1, duplicates: 0, suspect: 0, conflicts: 0 });
      else expectUnavailable(res);
    }
    const acknowledged = readings.filter((_, i) => first[i]!.status === 201);
    const refused = readings.filter((_, i) => first[i]!.status === 503);

    // Every acknowledged reading is stored exactly once; a refused one may have committed
    // (the session died after COMMIT, before the answer), so it is neither required nor forbidden yet.
    await expectStoredExactly(t.db, acknowledged.flatMap(readingsOf), 'allowed');

    // The service recovers by itself, and retrying the refused readings loses nothing and doubles nothing.
    await pollUntil('GET /health to answer 200 again', healthIs(base, 200), 10_000);
    let committedBeforeRefusal = 0;
    for (const reading of refused) {
      let res: HttpResult | undefined;
      await pollUntil(
        'a refused reading to be acknowledged on retry',
        async () => {
          res = await postJson(`${base}/v1/telemetry`, JSON.stringify(reading));
          if (res.status !== 201) expectUnavailable(res);
          return res.status === 201;
        },
        10_000,
      );
      if ((res!.json as { duplicates: number }).duplicates === 1) committedBeforeRefusal += 1;
    }
    const stored = await expectStoredExactly(t.db, readings.flatMap(readingsOf));
    expect(stored).toBe(TOTAL);
    const meters = readings.filter((r) => 'meterId' in r).length;
    expect(await t.db.count('meter_live_status')).toBe(meters);
    expect(await t.db.count('vehicle_live_status')).toBe(TOTAL - meters);

    expect(killed).toBeGreaterThan(0);
    console.log(
      `database-faults/killed sessions: ${kills.length} kills, ${killed} sessions terminated (faults injected); ` +
        `${TOTAL} requests: ${acknowledged.length} acknowledged (201), ${refused.length} refused (503), 0 other; ` +
        `acknowledged and stored: ${acknowledged.length}/${acknowledged.length}; refused but already committed: ` +
        `${committedBeforeRefusal}; after retries ${TOTAL} sent, ${stored} stored`,
    );
  }, 55_000);
});

describe('database unreachable at start-up', () => {
  let app: NestFastifyApplication | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('starts anyway: not ready, live, and every database route answers 503 with Retry-After', async () => {
    app = await createAppOn('postgres://postgres@127.0.0.1:1/unreachable', { DB_CONNECT_TIMEOUT_MS: '1000' });
    const base = await listen(app);

    const ready = await send(`${base}/health`);
    expect(ready.status).toBe(503);
    expect(ready.json).toEqual({ status: 'unavailable', checks: { database: 'down' } });
    expect((await send(`${base}/health/live`)).status).toBe(200);

    expectUnavailable(await postJson(`${base}/v1/telemetry`, JSON.stringify(aMeterReading())));
    expectUnavailable(await postJson(`${base}/v1/telemetry`, JSON.stringify([aMeterReading(), aVehicleReading()])));
    expectUnavailable(await send(`${base}/v1/links/v-1`));
    expectUnavailable(await send(`${base}/v1/links`));
    expectUnavailable(await postJson(`${base}/v1/links`, JSON.stringify({ vehicleId: 'v-1', meterId: 'm-1' })));
    expectUnavailable(await send(`${base}/v1/analytics/performance/v-1`));

    // Every other read the application has (found from its metadata): 503 when it reaches for
    // the database, a 4xx when it refuses the request first, never a 500.
    const answers = await Promise.all(
      discoverRoutes(app)
        .filter((route) => route.method === 'GET' && !route.path.startsWith('/health'))
        .map(async (route) => ({ route: route.path, res: await send(`${base}${route.concretePath}`) })),
    );
    for (const { route, res } of answers) {
      if (res.status === 503) expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      expect({ route, serverError: res.status >= 500 && res.status !== 503 }).toEqual({ route, serverError: false });
    }
    expect(answers.filter(({ res }) => res.status === 503).length).toBeGreaterThanOrEqual(3);
    console.log('database-faults/unreachable at start-up: 1 fault injected (closed port), 0 acknowledged, 0 stored');
  });

  it('becomes ready by itself once the database accepts connections, and then stores', async () => {
    const url = await createTestDatabase();
    const name = pg.escapeIdentifier(databaseName(url));
    const db = TestDb.connect(url);
    try {
      await withAdmin((admin) => admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`));
      app = await createAppOn(url, { RATE_LIMIT_PER_MINUTE: '0' });
      const base = await listen(app);

      expect((await send(`${base}/health`)).status).toBe(503);
      const early = aMeterReading();
      expectUnavailable(await postJson(`${base}/v1/telemetry`, JSON.stringify(early)));

      await withAdmin((admin) => admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`));
      // Backoff 500 ms, doubling: the next attempt comes within a few seconds of the database's return.
      await pollUntil('GET /health to answer 200 after the database came back', healthIs(base, 200), 10_000);

      const later = aVehicleReading();
      const res = await postJson(`${base}/v1/telemetry`, JSON.stringify(later));
      expect(res.status).toBe(201);
      expect(res.json).toEqual({ accepted: 1, duplicates: 0, suspect: 0, conflicts: 0 });
      await expectStoredExactly(db, readingsOf(later)); // and not the refused one
      console.log('database-faults/refused connections at start-up: 1 fault injected, 1 acknowledged, 1 stored');
    } finally {
      await app?.close();
      app = undefined;
      await db.close();
      await withAdmin((admin) => admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`));
      await dropTestDatabase(url);
    }
  }, 30_000);
});

describe('write queue full', () => {
  let t: TestApp;
  let base: string;
  let locker: pg.Client;
  beforeAll(async () => {
    t = await createTestApp({
      env: {
        RATE_LIMIT_PER_MINUTE: '0',
        WRITER_MAX_QUEUED_READINGS: '10',
        BATCH_MAX_READINGS: '10',
        WRITER_MAX_CONCURRENT_FLUSHES: '1',
      },
    });
    base = await listen(t.app);
    locker = new pg.Client({ connectionString: t.config.DATABASE_URL });
    await locker.connect();
  });
  afterAll(async () => {
    await locker.query('ROLLBACK').catch(() => undefined);
    await locker.end();
    await t.close();
  });

  it('refuses a request that does not fit the queue with 503 and Retry-After, storing none of it', async () => {
    const inFlight = Array.from({ length: 10 }, (_, i) => (i % 2 ? aMeterReading() : aVehicleReading()));
    const queued = Array.from({ length: 10 }, () => aMeterReading());
    const overflow = aMeterReading();
    const db = databaseName(t.config.DATABASE_URL!);

    // Hold the one flush slot: the first batch's flush waits on a lock of the history table.
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE meter_telemetry IN ACCESS EXCLUSIVE MODE');
    let first: Promise<HttpResult> | undefined;
    let second: Promise<HttpResult> | undefined;
    try {
      first = postJson(`${base}/v1/telemetry`, JSON.stringify(inFlight));
      await pollUntil(
        'the first flush to wait on the table lock',
        async () =>
          (
            await t.db.query(
              `SELECT 1 FROM pg_stat_activity WHERE datname = $1 AND application_name = 'energy-ingestion'
               AND wait_event_type = 'Lock'`,
              [db],
            )
          ).length > 0,
        10_000,
      );
      // The second batch fills the queue (10 of 10) behind it.
      second = postJson(`${base}/v1/telemetry`, JSON.stringify(queued));
      const gauge = t.app.get(Metrics).queuedReadings;
      await pollUntil('10 readings to be queued', async () => (await gauge.get()).values[0]?.value === 10, 10_000);

      const refused = await postJson(`${base}/v1/telemetry`, JSON.stringify(overflow));
      expectUnavailable(refused);
    } finally {
      await locker.query('ROLLBACK');
    }
    // Once the lock is gone, both waiting batches are stored and acknowledged; the refused one is not stored.
    const [a, b] = await Promise.all([first, second]);
    expect([a.status, a.json, b.status, b.json]).toEqual([
      201,
      { accepted: 10, duplicates: 0, suspect: 0, conflicts: 0 },
      201,
      { accepted: 10, duplicates: 0, suspect: 0, conflicts: 0 },
    ]);
    const stored = await expectStoredExactly(t.db, [...inFlight, ...queued].flatMap(readingsOf));
    console.log(
      `database-faults/write queue full: 1 fault injected (flush held on a lock, queue 10/10), 1 refused (503), ` +
        `20 acknowledged, ${stored} stored`,
    );
  });
});

describe('statement timeout', () => {
  let t: TestApp;
  let base: string;
  let locker: pg.Client;
  beforeAll(async () => {
    t = await createTestApp({ env: { RATE_LIMIT_PER_MINUTE: '0', DB_STATEMENT_TIMEOUT_MS: '100' } });
    base = await listen(t.app);
    await pollUntil('GET /health to answer 200', healthIs(base, 200), 10_000);
    locker = new pg.Client({ connectionString: t.config.DATABASE_URL });
    await locker.connect();
  });
  afterAll(async () => {
    await locker.query('ROLLBACK').catch(() => undefined);
    await locker.end();
    await t.close();
  });

  it('answers 503 while a table is locked past the timeout, and stores once the lock is gone', async () => {
    const reading = aMeterReading();
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE meter_telemetry IN ACCESS EXCLUSIVE MODE');
    try {
      // Bounded by the client's own timeout: a hang fails the test instead of stalling it.
      expectUnavailable(await postJson(`${base}/v1/telemetry`, JSON.stringify(reading)));
      expectUnavailable(await send(`${base}/v1/analytics/performance/v-1`, { timeoutMs: 10_000 }));
      expect((await send(`${base}/health/live`)).status).toBe(200);
    } finally {
      await locker.query('ROLLBACK');
    }
    await expectStoredExactly(t.db, []);

    const res = await postJson(`${base}/v1/telemetry`, JSON.stringify(reading));
    expect(res.status).toBe(201);
    expect(res.json).toEqual({ accepted: 1, duplicates: 0, suspect: 0, conflicts: 0 });
    await expectStoredExactly(t.db, readingsOf(reading));
    console.log(
      'database-faults/statement timeout: 1 fault injected (table lock), 1 refused, then 1 acknowledged, 1 stored',
    );
  });
});
