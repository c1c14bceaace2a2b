import pg from 'pg';
import request from 'supertest';
import { meterReading } from '../builders/readings.builder.ts';
import { createTestApp, type TestApp } from '../setup/test-app.ts';
import { ingest } from '../support/api.ts';

/**
 * What happens when a flush and another transaction meet on the same device, made deterministic:
 * a second connection (standing for another flush, another replica or a slow row) holds a lock or
 * an uncommitted row, the test waits until the service's statement is blocked on it (pg_locks),
 * then lets it go. These are the interleavings that a test of outcomes alone never hits.
 */
const WAIT_MS = 10_000;

/** Resolves once `count` lock requests of this database are waiting (not granted), of `locktype` if given. */
async function waitForBlocked(t: TestApp, count: number, locktype?: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const [row] = await t.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
       WHERE NOT l.granted AND a.datname = current_database() AND ($1::text IS NULL OR l.locktype = $1)`,
      [locktype ?? null],
    );
    if (row!.n >= count) return;
    if (Date.now() > deadline) throw new Error(`no ${count} blocked lock request(s) after ${WAIT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('ingest under concurrent transactions', () => {
  let t: TestApp;
  let other: pg.Client;

  beforeEach(async () => {
    t = await createTestApp();
    other = new pg.Client({ connectionString: t.config.DATABASE_URL });
    await other.connect();
  });

  afterEach(async () => {
    await other.end();
    await t.close();
  });

  const minutesBefore = (minutes: number): string => new Date(t.clock.now().getTime() - minutes * 60_000).toISOString();

  it('counts a conflict with a row another transaction committed while the flush waited on it', async () => {
    const ts = minutesBefore(1);
    await other.query('BEGIN');
    await other.query(
      `INSERT INTO meter_telemetry (meter_id, ts, kwh_consumed_ac, voltage, quality) VALUES ($1, $2, 1.5, 230, 'ok')`,
      ['race-m', ts],
    );
    const posting = request(t.server)
      .post('/v1/telemetry')
      .send(meterReading('race-m', ts, 2.5))
      .then((res) => res);
    await waitForBlocked(t, 1, 'transactionid'); // ON CONFLICT waits for the other transaction's outcome
    await other.query('COMMIT');

    const res = await posting;
    expect(res.status).toBe(201);
    // The statement that waited took its snapshot before that commit: only a later statement sees the row.
    expect(res.body).toEqual({ accepted: 0, duplicates: 1, suspect: 0, conflicts: 1 });
    const [stored] = await t.db.query<{ kwh: number }>(
      `SELECT kwh_consumed_ac::float8 AS kwh FROM meter_telemetry WHERE meter_id = 'race-m'`,
    );
    expect(stored!.kwh).toBe(1.5); // the reading already held is kept
  });

  it('makes a registration wait for a flush in progress, so the device is not registered before a reading it stores', async () => {
    await ingest(t, [meterReading('race-y', minutesBefore(3), 1)]);
    // Hold the flush after it has read the (absent) mode of race-x: block its live upsert of race-y.
    await other.query('BEGIN');
    await other.query(`SELECT 1 FROM meter_live_status WHERE meter_id = 'race-y' FOR UPDATE`);
    const posting = request(t.server)
      .post('/v1/telemetry')
      .send([meterReading('race-x', minutesBefore(2), 1.25), meterReading('race-y', minutesBefore(1), 1)])
      .then((res) => res);
    await waitForBlocked(t, 1, 'transactionid');

    let registered = false;
    const putting = request(t.server)
      .put('/v1/meters/race-x')
      .send({ energyMode: 'register' })
      .then((res) => {
        registered = true;
        return res;
      });
    await waitForBlocked(t, 1, 'advisory'); // the registry lock, held shared by the flush
    expect(registered).toBe(false);
    await other.query('COMMIT');

    expect((await posting).body).toEqual({ accepted: 2, duplicates: 0, suspect: 0, conflicts: 0 });
    const put = await putting;
    expect(put.status).toBe(200);
    // It saw the reading the flush stored as interval energy: register mode applies from now, not to it.
    expect(put.body.modes).toEqual([
      { energyMode: 'interval', effectiveFrom: null },
      { energyMode: 'register', effectiveFrom: t.clock.now().toISOString() },
    ]);
    const readings = await request(t.server)
      .get('/v1/meters/race-x/readings')
      .query({ from: minutesBefore(10), to: t.clock.now().toISOString() })
      .expect(200);
    expect(readings.body.items).toEqual([expect.objectContaining({ energyKwh: 1.25, quality: 'ok' })]);
  });
});
