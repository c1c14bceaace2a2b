#!/usr/bin/env node
/**
 * Upgrade test (slow, not part of `npm test`; `.ci/run` runs it after `npm run build`):
 *
 *   1. checks out the previous release (PREVIOUS_RELEASE, from this repository) into a temp folder,
 *      builds it (with this checkout's node_modules when its package-lock.json is identical, else `npm ci`);
 *   2. lets it create its schema on a fresh database and fills several days of fleet history with its
 *      own seeder (bench/seed.mjs: set-based SQL, 1:1 vehicle↔meter links), plus readings through its API;
 *   3. records its analytics answers (per-vehicle performance over several windows, with and without
 *      buckets, and the fleet report), then stops it (SIGTERM);
 *   4. boots THIS build (dist/) on that database with its default settings: it must become ready (its
 *      readiness is 503 while a migration is pending), have applied every migration of this build once,
 *      give the same analytics totals, keep every row, and ingest again.
 *
 *   node test/upgrade/upgrade.test.mjs [--devices 250] [--days 4] [--keep]
 *   DATABASE_URL: the server to use (any database name; default postgres://postgres@127.0.0.1:5432/postgres)
 *
 * Exit 0 when the upgrade held, 1 with the differences otherwise.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  adminQuery,
  freePort,
  query as queryOn,
  startService,
  stopwatchLog,
  withDatabase,
} from '../lib/service-process.mjs';

/** The last release that landed; upgrades are tested from it. */
const PREVIOUS_RELEASE = '2826b68b7683828b78da5d72419e1d48891bf20d';
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** Sums come from NUMERIC and go out as float8; a different but equivalent SQL may round in the last bits. */
const RELATIVE_TOLERANCE = 1e-9;

const { values: args } = parseArgs({
  options: {
    devices: { type: 'string', default: '250' },
    days: { type: 'string', default: '4' },
    keep: { type: 'boolean', default: false },
  },
});
const DEVICES = Number(args.devices);
const DAYS = Number(args.days);
const serverUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const log = stopwatchLog('upgrade');

const scratch = mkdtempSync(join(tmpdir(), 'energy-upgrade-'));
const dbName = `upgrade_${process.pid}`;
const databaseUrl = withDatabase(serverUrl, dbName);
let failed = false;

try {
  const currentMain = join(ROOT, 'dist/src/main.js');
  if (!existsSync(currentMain)) throw new Error(`${currentMain} is missing: run \`npm run build\` first`);

  const previous = join(scratch, 'previous');
  checkOut(PREVIOUS_RELEASE, previous);
  installAndBuild(previous);

  log(`seeding ${DEVICES} meters + ${DEVICES} vehicles × ${DAYS} days with the previous release's bench/seed.mjs`);
  run(
    process.execPath,
    [
      'bench/seed.mjs',
      '--days',
      String(DAYS),
      '--devices',
      String(DEVICES),
      '--db',
      dbName,
      '--database-url',
      serverUrl,
      '--dist',
      'dist',
      '--port',
      String(await freePort()),
    ],
    previous,
  );

  const old = await startService('previous release', join(previous, 'dist/src/main.js'), {
    cwd: previous,
    databaseUrl,
  });
  await postThroughApi(old.url);
  const questions = await askedQuestions();
  const before = { answers: await ask(old.url, questions), rows: await tableFacts() };
  await old.stop();
  log(`previous release answered ${questions.length} questions and stopped cleanly`);

  const migrationsBefore = await appliedMigrations();
  const bootStarted = Date.now();
  const current = await startService('this build', currentMain, { cwd: ROOT, databaseUrl });
  log(
    `this build became ready ${((Date.now() - bootStarted) / 1000).toFixed(1)} s after it was started ` +
      `(GET /health while waiting: ${JSON.stringify(current.healthSeen)}; 0 = port not open yet)`,
  );
  const migrationsAfter = await appliedMigrations();
  const after = { answers: await ask(current.url, questions), rows: await tableFacts() };
  // This build's fleet report reads attribution snapshots once its builder has made them (in the
  // background, from a second after start): the same questions again once every day is built.
  const builtInMs = await snapshotsBuilt();
  log(`attribution snapshots of every day of the history built ${builtInMs} ms after the first answers`);
  const afterBuilt = await ask(current.url, questions);

  const problems = [];
  const expectedMigrations = readdirSync(join(ROOT, 'migrations')).filter((file) => file.endsWith('.ts')).length;
  if (migrationsAfter.length !== expectedMigrations || new Set(migrationsAfter).size !== migrationsAfter.length) {
    problems.push(
      `typeorm_migrations holds ${migrationsAfter.length} rows (${migrationsAfter.join(', ')}); ` +
        `this build has ${expectedMigrations} migrations, each to be applied exactly once`,
    );
  }
  log(
    `migrations applied by the upgrade: ${migrationsAfter.filter((name) => !migrationsBefore.includes(name)).join(', ') || '(none: the schema was already current)'}`,
  );
  problems.push(...differences('rows', before.rows, after.rows));
  questions.forEach((question, i) => problems.push(...differences(question, before.answers[i], after.answers[i])));
  questions.forEach((question, i) =>
    problems.push(...differences(`${question} (snapshots built)`, before.answers[i], afterBuilt[i])),
  );

  const ack = await post(current.url, [meterAt('M-00001', new Date(Date.now() - 60_000))]);
  if (ack.status !== 201) problems.push(`a reading after the upgrade answered ${ack.status}: ${ack.text}`);
  await current.stop();

  if (problems.length > 0) {
    failed = true;
    console.error(`UPGRADE TEST FAILED: ${problems.length} difference(s)\n  ${problems.slice(0, 50).join('\n  ')}`);
  } else {
    log(
      `PASSED: ${before.rows.meter_rows} meter + ${before.rows.vehicle_rows} vehicle rows, ${questions.length} analytics answers ` +
        'identical before and after the upgrade; a new reading was stored',
    );
  }
} catch (error) {
  failed = true;
  console.error(`UPGRADE TEST FAILED: ${error instanceof Error ? error.message : String(error)}`);
} finally {
  await adminQuery(serverUrl, `DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch((error) =>
    console.error(`could not drop ${dbName}: ${error.message}`),
  );
  if (args.keep) console.log(`kept ${scratch}`);
  else rmSync(scratch, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);

/** The exact commit, from this repository, or a clear failure (a shallow clone lacks it). */
function checkOut(commit, into) {
  try {
    execFileSync('git', ['-C', ROOT, 'cat-file', '-e', `${commit}^{commit}`], { stdio: 'ignore' });
  } catch {
    throw new Error(
      `the previous release, commit ${commit}, is not in the repository at ${ROOT} ` +
        `(a shallow clone?): fetch it (git fetch --unshallow, or git fetch origin ${commit}) and run again`,
    );
  }
  log(`checking out ${commit.slice(0, 12)} (previous release) into ${into}`);
  execFileSync('bash', [
    '-o',
    'pipefail',
    '-c',
    `mkdir -p "$2" && git -C "$3" archive "$1" | tar -x -C "$2"`,
    'x',
    commit,
    into,
    ROOT,
  ]);
}

/** Same lock file: this checkout's node_modules serve (a 7 s build); else a clean `npm ci` of its own. */
function installAndBuild(dir) {
  const sameLock =
    readFileSync(join(dir, 'package-lock.json'), 'utf8') === readFileSync(join(ROOT, 'package-lock.json'), 'utf8');
  if (sameLock) {
    log('package-lock.json unchanged since the previous release: reusing node_modules');
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  } else {
    log('package-lock.json changed since the previous release: npm ci for it');
    run('npm', ['ci', '--no-audit', '--no-fund', '--prefer-offline'], dir, {
      SCARF_ANALYTICS: 'false',
      DO_NOT_TRACK: '1',
    });
  }
  run(process.execPath, ['node_modules/@nestjs/cli/bin/nest.js', 'build'], dir);
  log('previous release built');
}

function run(command, argv, cwd, env = {}) {
  execFileSync(command, argv, { cwd, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, ...env } });
}

/** Readings through the previous release's own write path: a late batch for some devices, an hour ago. */
async function postThroughApi(url) {
  const at = new Date(Math.floor((Date.now() - HOUR_MS) / 60_000) * 60_000 + 30_000); // between seeded minutes
  const batch = [];
  for (let d = 1; d <= Math.min(DEVICES, 50); d += 1) {
    batch.push(meterAt(`M-${String(d).padStart(5, '0')}`, at));
    batch.push({
      vehicleId: `V-${String(d).padStart(5, '0')}`,
      soc: 50,
      kwhDeliveredDc: 0.25,
      batteryTemp: 30,
      timestamp: at.toISOString(),
    });
  }
  const res = await post(url, batch);
  if (res.status !== 201) throw new Error(`the previous release refused the API batch: ${res.status} ${res.text}`);
  log(`posted ${batch.length} readings through the previous release's API: ${res.text}`);
}

function meterAt(meterId, at) {
  return { meterId, kwhConsumedAc: 0.3, voltage: 230, timestamp: at.toISOString() };
}

async function post(url, body) {
  const res = await fetch(`${url}/v1/telemetry`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, text: await res.text() };
}

/** Analytics paths whose answers must not change: fixed windows over the seeded history (never "now"). */
async function askedQuestions() {
  const [{ first, last }] = await query(
    `SELECT extract(epoch FROM min(ts)) * 1000 AS first, extract(epoch FROM max(ts)) * 1000 AS last FROM meter_telemetry`,
  );
  const firstMs = Number(first);
  const lastMs = Number(last);
  const iso = (ms) => new Date(ms).toISOString();
  const hourAfter = (ms) => Math.ceil(ms / HOUR_MS) * HOUR_MS;
  const vehicles = [1, Math.ceil(DEVICES / 2), DEVICES].map((d) => `V-${String(d).padStart(5, '0')}`);
  const windows = [
    [firstMs - HOUR_MS, lastMs + HOUR_MS], // the whole history
    [firstMs + DAY_MS, firstMs + 2 * DAY_MS], // one day
    [firstMs + 90 * 60_000 + 17_000, firstMs + 2 * DAY_MS + 5 * HOUR_MS + 123], // edges inside minutes and hours
    [lastMs - 2 * HOUR_MS, lastMs + 1], // the last hours, the API batch among them
  ];
  const paths = [];
  for (const vehicle of vehicles) {
    for (const [from, to] of windows)
      paths.push(`/v1/analytics/performance/${vehicle}?from=${iso(from)}&to=${iso(to)}`);
    paths.push(
      `/v1/analytics/performance/${vehicle}?from=${iso(firstMs + DAY_MS)}&to=${iso(firstMs + 2 * DAY_MS)}&bucket=1h`,
    );
  }
  const fleetFrom = hourAfter(firstMs);
  paths.push(`/v1/analytics/fleet?from=${iso(fleetFrom)}&to=${iso(fleetFrom + DAY_MS)}&limit=1000`);
  paths.push(`/v1/analytics/fleet?from=${iso(fleetFrom - HOUR_MS)}&to=${iso(hourAfter(lastMs) + HOUR_MS)}&limit=1000`);
  return paths;
}

/** Waits (at most 2 min) until every UTC day of the history has a current snapshot through its settled hours. */
async function snapshotsBuilt() {
  const started = Date.now();
  for (;;) {
    const [{ ready }] = await query(`
      SELECT bool_and(coalesce(NOT EXISTS (SELECT 1 FROM attribution_changes c WHERE c.day = b.day)
                                AND b.built_end >= least(day + interval '24 hours', attribution_settled_end()), false)) AS ready
      FROM generate_series((SELECT date_trunc('day', min(ts), 'UTC') FROM meter_telemetry),
                           attribution_settled_end() - interval '1 microsecond', interval '24 hours') AS day
      LEFT JOIN attribution_days b USING (day)`);
    if (ready) return Date.now() - started;
    if (Date.now() - started > 120_000)
      throw new Error('attribution snapshots not built within 2 minutes of the upgrade');
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

async function ask(url, paths) {
  return Promise.all(
    paths.map(async (path) => {
      const res = await fetch(`${url}${path}`);
      const body = await res.json();
      if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}: ${JSON.stringify(body)}`);
      return totalsOf(body);
    }),
  );
}

/** The totals an operator reads; shapes may grow (new fields), these must stay. */
function totalsOf(body) {
  const pick = (item) => ({
    acKwh: item.acKwh,
    dcKwh: item.dcKwh,
    efficiency: item.efficiency,
    avgBatteryTemp: item.avgBatteryTemp,
    meterReadings: item.meterReadings,
    vehicleReadings: item.vehicleReadings,
  });
  if (Array.isArray(body.items)) {
    return {
      total: body.total,
      totalBelowThreshold: body.totalBelowThreshold,
      items: Object.fromEntries(body.items.map((item) => [item.vehicleId, { meterId: item.meterId, ...pick(item) }])),
    };
  }
  return {
    meterId: body.meterId,
    ...pick(body),
    buckets: body.buckets?.map((bucket) => ({ from: bucket.from, ...pick(bucket) })),
  };
}

async function tableFacts() {
  const [row] = await query(`
    SELECT (SELECT count(*) FROM meter_telemetry)::int AS meter_rows,
           (SELECT count(*) FROM vehicle_telemetry)::int AS vehicle_rows,
           (SELECT sum(kwh_consumed_ac) FROM meter_telemetry)::text AS meter_kwh,
           (SELECT sum(kwh_delivered_dc) FROM vehicle_telemetry)::text AS vehicle_kwh,
           (SELECT count(*) FROM meter_live_status)::int AS meter_live,
           (SELECT count(*) FROM vehicle_live_status)::int AS vehicle_live,
           (SELECT max(ts) FROM meter_live_status)::text AS meter_live_max`);
  return row;
}

async function appliedMigrations() {
  return (await query('SELECT name FROM typeorm_migrations ORDER BY id')).map((row) => row.name);
}

/** Paths to every value that differs (numbers within RELATIVE_TOLERANCE are equal). */
function differences(where, before, after) {
  if (typeof before === 'number' && typeof after === 'number') {
    const scale = Math.max(Math.abs(before), Math.abs(after), 1e-12);
    return Math.abs(before - after) / scale <= RELATIVE_TOLERANCE ? [] : [`${where}: ${before} → ${after}`];
  }
  if (before && after && typeof before === 'object' && typeof after === 'object') {
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    return [...keys].flatMap((key) => differences(`${where}.${key}`, before[key], after[key]));
  }
  return Object.is(before, after) ? [] : [`${where}: ${JSON.stringify(before)} → ${JSON.stringify(after)}`];
}

function query(sql) {
  return queryOn(databaseUrl, sql);
}
