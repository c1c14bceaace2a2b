import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { hashApiKey } from '../../src/auth/api-keys.ts';
import { Metrics } from '../../src/observability/metrics.ts';
import { createTestDatabase, dropTestDatabase, TestDb } from '../setup/test-db.ts';
import { createAppOn } from '../support/app-on-database.ts';
import { listen, pollUntil, postJson, send } from '../support/http.ts';
import { listeningUrl } from '../support/processes.ts';
import { aMeterReading, expectStoredExactly, type MeterBody, readingsOf } from '../support/readings.ts';

/**
 * The real process, as production runs it (compiled, `node …/src/main.js`), is sent SIGTERM under
 * load: it stops accepting, finishes what is in flight, drains the writer and exits 0 within
 * SHUTDOWN_TIMEOUT_MS, and every reading it acknowledged is stored exactly once.
 */

const ROOT = process.cwd();
/** Inside the project, so that the compiled files resolve node_modules and "type": "module". */
const OUT_DIR = join(ROOT, 'node_modules', '.cache', `e2e-shutdown-${randomUUID().slice(0, 8)}`);
const SHUTDOWN_TIMEOUT_MS = 10_000;
const LOOPS = 40;
const SIGTERM_AFTER_ACKS = 300;
const DEVICE_KEY = randomBytes(24).toString('base64url');

let databaseUrl: string;
let db: TestDb;
let child: ChildProcess | undefined;
let output = '';

beforeAll(async () => {
  // `npm run build` may not have run (and dist/ may be stale or rebuilt by someone else): compile
  // src/ afresh into a private folder. Types are checked by `npm run typecheck`, not here.
  await promisify(execFile)(
    process.execPath,
    [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', OUT_DIR, '--noCheck'],
    { cwd: ROOT },
  );
  databaseUrl = await createTestDatabase();
  db = TestDb.connect(databaseUrl);
}, 60_000);

afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); // only if the test failed
  await db?.close();
  if (databaseUrl) await dropTestDatabase(databaseUrl);
  await rm(OUT_DIR, { recursive: true, force: true });
});

it('on SIGTERM under load, finishes in-flight requests, exits 0 in time, and loses no acknowledged reading', async () => {
  child = spawn(process.execPath, [join(OUT_DIR, 'src', 'main.js')], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      API_KEYS: `device:${hashApiKey(DEVICE_KEY)}`,
      DATABASE_URL: databaseUrl,
      HOST: '127.0.0.1',
      PORT: '0', // the kernel picks a free port; the "Listening on" line says which
      LOG_LEVEL: 'info',
      RATE_LIMIT_PER_MINUTE: '0',
      SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child!.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let hasExited = false;
  let exitedAt = 0;
  void exited.then(() => {
    hasExited = true;
    exitedAt = Date.now();
  });

  const base = await listeningUrl({ child, output: () => output, exited }, 30_000);
  await pollUntil(
    'the server to answer GET /health 200',
    async () => {
      if (hasExited) throw new Error(`the server exited during start-up:\n${output}`);
      return (await send(`${base}/health`, { timeoutMs: 2000 })).status === 200;
    },
    30_000,
  ).catch((error: unknown) => {
    throw new Error(`${String(error)}\n${output}`);
  });

  const acknowledged: MeterBody[] = [];
  const refused = { status503: 0, otherStatus: [] as number[], network: 0 };
  let sigtermAt: number | undefined;
  let acknowledgedAfterSigterm = 0;
  const loop = async (index: number): Promise<void> => {
    for (;;) {
      const reading = aMeterReading({ meterId: `sd-${index}` });
      let status: number;
      try {
        status = (await postJson(`${base}/v1/telemetry`, JSON.stringify(reading), { 'x-api-key': DEVICE_KEY })).status;
      } catch {
        refused.network += 1; // the listener is closed or the process gone: the outcome is unknown
        return;
      }
      if (status !== 201) {
        if (status === 503) refused.status503 += 1;
        else refused.otherStatus.push(status);
        return;
      }
      acknowledged.push(reading);
      if (sigtermAt !== undefined) acknowledgedAfterSigterm += 1;
      if (acknowledged.length >= SIGTERM_AFTER_ACKS && sigtermAt === undefined) {
        sigtermAt = Date.now();
        child!.kill('SIGTERM');
      }
    }
  };
  await Promise.all(Array.from({ length: LOOPS }, (_, i) => loop(i)));

  const exit = await Promise.race([
    exited,
    new Promise<'still running'>((resolve) =>
      setTimeout(() => resolve('still running'), SHUTDOWN_TIMEOUT_MS + 5000).unref(),
    ),
  ]);
  expect({ exit, output: exit === 'still running' || exit.code !== 0 ? output : '' }).toEqual({
    exit: { code: 0, signal: null },
    output: '',
  });
  expect(sigtermAt).toBeDefined();
  expect(refused.otherStatus).toEqual([]);

  const stored = await expectStoredExactly(db, acknowledged.flatMap(readingsOf), 'allowed');
  console.log(
    `shutdown: SIGTERM after ${SIGTERM_AFTER_ACKS} acknowledgements with ${LOOPS} clients; exit code 0 after ` +
      `${exitedAt - sigtermAt!} ms (limit ${SHUTDOWN_TIMEOUT_MS} ms); acknowledged ${acknowledged.length} (of which ${acknowledgedAfterSigterm} ` +
      `answered after SIGTERM), acknowledged and stored exactly once: ${acknowledged.length}/${acknowledged.length}; ` +
      `rows stored ${stored} (the rest: requests cut off without an answer); refused ${refused.status503} with 503, ` +
      `${refused.network} cut off by the closing listener`,
  );
}, 60_000);

/**
 * In process, the order itself: once shutdown begins, new writes are turned away (503), every write
 * already queued is stored and answered, and only then does the pool close (lifecycle phases, not
 * module order: the writer drains in beforeApplicationShutdown, TypeORM closes in onApplicationShutdown).
 */
it('drains the writer before the pool closes, and refuses writes that arrive once shutdown has begun', async () => {
  const ownUrl = await createTestDatabase();
  const ownDb = TestDb.connect(ownUrl);
  const app = await createAppOn(ownUrl, { RATE_LIMIT_PER_MINUTE: '0' });
  const base = await listen(app);
  const locker = new pg.Client({ connectionString: ownUrl });
  try {
    const pending = Array.from({ length: 20 }, () => aMeterReading());
    const storedNow = (): Promise<number> =>
      ownDb.count('meter_telemetry', 'meter_id = ANY($1)', [pending.map((r) => r.meterId)]);
    let storedWhenPoolCloses: number | undefined;
    const dataSource = app.get(DataSource);
    const destroy = dataSource.destroy.bind(dataSource);
    dataSource.destroy = async () => {
      storedWhenPoolCloses = await storedNow();
      return destroy();
    };

    // Writes held in the writer by a table lock while shutdown starts.
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE meter_telemetry IN ACCESS EXCLUSIVE MODE');
    const answers = Promise.all(pending.map((r) => postJson(`${base}/v1/telemetry`, JSON.stringify(r))));
    const written = async (): Promise<number> =>
      (await app.get(Metrics).requestReadings.get()).values.find((v) => v.metricName?.endsWith('_count'))?.value ?? 0;
    await pollUntil('every write to reach the writer', async () => (await written()) === pending.length, 5000);
    expect(await waitingOnLock(ownDb)).toBeGreaterThan(0);
    const closed = app.close();

    const late: MeterBody[] = [];
    await pollUntil(
      'a write to be refused because shutdown began',
      async () => {
        const reading = aMeterReading();
        late.push(reading);
        const res = await send(`${base}/v1/telemetry`, {
          method: 'POST',
          body: JSON.stringify(reading),
          headers: { 'content-type': 'application/json' },
          timeoutMs: 500, // before shutdown began it would queue behind the lock: give up on it
        });
        return res.status === 503 && (res.json as { message: string }).message.includes('shutting down');
      },
      10_000,
    );
    await locker.query('COMMIT');

    expect((await answers).map((res) => res.status)).toEqual(pending.map(() => 201));
    await closed;
    expect(storedWhenPoolCloses).toBe(pending.length);
    expect(await ownDb.count('meter_telemetry', 'meter_id = $1', [late.at(-1)!.meterId])).toBe(0);
    await expectStoredExactly(ownDb, pending.flatMap(readingsOf), 'allowed'); // 'allowed': probes given up on
  } finally {
    await locker.end().catch(() => undefined);
    await app.close();
    await ownDb.close();
    await dropTestDatabase(ownUrl);
  }
}, 30_000);

/** Service sessions waiting on a lock: a flush is blocked behind the test's lock. */
async function waitingOnLock(database: TestDb): Promise<number> {
  const [row] = await database.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity
     WHERE datname = current_database() AND application_name = 'energy-ingestion' AND wait_event_type = 'Lock'`,
  );
  return row!.n;
}
