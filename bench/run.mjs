#!/usr/bin/env node
/**
 * `npm run bench`: drives the built service over HTTP on 127.0.0.1 with a simulated fleet, then
 * checks that what was acknowledged is exactly what is stored. See bench/README.md.
 */
import { createHash, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs, usage } from './lib/args.mjs';
import {
  connect,
  readSeedInfo,
  recreateDatabase,
  waitForIdle,
  waitForPostgres,
  waitForSnapshots,
  withAdmin,
  withDatabase,
  dropDatabase,
} from './lib/db.mjs';
import { Fleet } from './lib/fleet.mjs';
import { mapLimit, requestJson } from './lib/http.mjs';
import { getPhase, loadPhase } from './lib/load.mjs';
import { CpuMeter } from './lib/cpu.mjs';
import { copyBaseline } from './lib/copy-baseline.mjs';
import { busiestProcesses, gitRevision, loadAverage, machineInfo, postgresInfo } from './lib/machine.mjs';
import { recordResults, renderConsole } from './lib/report.mjs';
import { startProcess } from './lib/server.mjs';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(BENCH_DIR, '..');
const CACHE = join(BENCH_DIR, '.cache');

const SPEC = {
  devices: { type: 'number', env: 'D', default: 10_000, min: 1, help: 'D meters and D vehicles' },
  duration: { type: 'number', env: 'T', default: 30, min: 1, help: 'seconds per load phase' },
  connections: {
    type: 'number',
    env: 'C',
    default: 64,
    min: 1,
    help: 'keep-alive connections (single, fixed rate, bare)',
  },
  batch: {
    type: 'number',
    env: 'B',
    default: 1000,
    min: 1,
    help: 'readings per request in the batch phase (max 10,000)',
  },
  'batch-connections': { type: 'number', env: 'CB', default: 4, min: 1, help: 'connections in the batch phase' },
  rate: {
    type: 'number',
    env: 'RATE',
    default: 2000,
    min: 1,
    help: 'requests/s of the fixed-rate phase (autocannon overallRate)',
  },
  runs: { type: 'number', env: 'RUNS', default: 3, min: 1, help: 'repetitions of every phase; medians are reported' },
  modes: {
    type: 'list',
    env: 'MODES',
    default: ['single', 'rate', 'batch', 'copy'],
    help: "ingest phases: single, rate, batch, copy (PostgreSQL's own COPY of as many rows as the batch phase stored)",
  },
  bare: { type: 'boolean', default: true, help: 'also drive the bare Fastify route (needed for the ratio)' },
  analytics: { type: 'boolean', default: true, help: 'measure analytics latency on the seeded history databases' },
  'analytics-requests': {
    type: 'number',
    default: 2000,
    min: 1,
    help: 'GETs per analytics run (random vehicles, one connection)',
  },
  'fleet-requests': {
    type: 'number',
    default: 5,
    min: 1,
    help: 'fleet reports per run (the seeded days, 100 rows a page, one at a time)',
  },
  cold: {
    type: 'boolean',
    default: true,
    help: 'per-vehicle analytics on a cold cache (drop the page cache, restart PostgreSQL; root only)',
  },
  'cold-requests': { type: 'number', default: 300, min: 1, help: 'distinct vehicles per cold run' },
  'history-dbs': {
    type: 'list',
    default: ['bench_history_1d', 'bench_history_7d'],
    help: 'seeded databases, in order',
  },
  'database-url': {
    type: 'string',
    env: 'DATABASE_URL',
    default: 'postgres://postgres@127.0.0.1:5432/postgres',
    help: 'server and credentials (the bench picks the database)',
  },
  'ingest-db': { type: 'string', default: 'bench_ingest', help: 'database re-created for the ingest phases' },
  'keep-db': { type: 'boolean', default: false, help: 'keep the ingest database afterwards' },
  dist: {
    type: 'string',
    env: 'BENCH_DIST',
    default: 'dist',
    help: 'built service (runs <dist>/src/main.js, from a copy)',
  },
  port: {
    type: 'number',
    env: 'BENCH_PORT',
    default: 3900,
    min: 1,
    help: 'service port; bare Fastify +1, analytics +2',
  },
  'server-env': {
    type: 'list',
    default: [],
    help: 'extra KEY=VALUE settings for the service (e.g. WRITER_LINGER_MS=1)',
  },
  'node-args': {
    type: 'list',
    default: [],
    help: 'extra node options for the ingest server, comma-separated (e.g. --perf-basic-prof for perf)',
  },
  'cpu-prof': {
    type: 'boolean',
    default: false,
    help: 'run the ingest server under node --cpu-prof (bench/.cache/prof)',
  },
  record: {
    type: 'boolean',
    default: true,
    help: 'append to bench/results/<date>-<host>.md and update bench/README.md',
  },
  note: { type: 'string', default: '', help: 'free text recorded with the results' },
  'default-rate-limits': {
    type: 'boolean',
    default: false,
    help: "keep the service's default per-address limit (the fleet behind one address: count 201 against 429)",
  },
};

const options = parseArgs(process.argv.slice(2), SPEC);
if (options.help) {
  console.log(usage('node bench/run.mjs [options]   (npm run bench -- [options])', SPEC));
  process.exit(0);
}
if (options.batch > 10_000) throw new Error('--batch: the API accepts at most 10,000 readings a request');

const log = (...parts) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}]`, ...parts);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const HOUR_MS = 3_600_000;
const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);

const report = {
  command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
  startedAt: new Date().toISOString(),
  machine: machineInfo(),
  git: gitRevision(ROOT),
  options,
  loadBefore: loadAverage(),
  busyBefore: busiestProcesses(),
  runs: [],
  analytics: [],
  notes: [],
};

// API keys for this run only: the service gets their SHA-256 hashes, the bench sends the keys.
const deviceKey = randomBytes(24).toString('base64url');
const operatorKey = randomBytes(24).toString('base64url');
const sha256 = (text) => createHash('sha256').update(text).digest('hex');
const DEVICE = { 'x-api-key': deviceKey };
const OPERATOR = { 'x-api-key': operatorKey };
const serverEnv = {
  NODE_ENV: 'production',
  HOST: '127.0.0.1',
  API_KEYS: `device:${sha256(deviceKey)},operator:${sha256(operatorKey)}`,
  // The bench is one client standing for a whole fleet: a per-client limit would measure the limiter
  // (--default-rate-limits keeps it: the fleet-shaped run at the defaults, refused requests counted).
  ...(options['default-rate-limits'] ? {} : { RATE_LIMIT_PER_MINUTE: '0' }),
  ...Object.fromEntries(options['server-env'].map((kv) => kv.split(/=(.*)/s, 2))),
};
report.serverEnv = Object.fromEntries(
  Object.entries(serverEnv).map(([k, v]) => [k, k === 'API_KEYS' ? '(two keys, generated per run)' : v]),
);

// Run the service from a private copy of the build: a concurrent `nest build` empties dist/.
const runDir = join(CACHE, `run-${stamp}-${process.pid}`);
cpSync(resolve(ROOT, options.dist), join(runDir, 'dist'), { recursive: true });
const serverMain = join(runDir, 'dist', 'src', 'main.js');
process.on('exit', () => rmSync(runDir, { recursive: true, force: true }));

const baseUrl = options['database-url'];
const lifetimeS = 4 * 3600;

try {
  await withAdmin(baseUrl, async (admin) => {
    report.postgres = await postgresInfo(admin);
  });
  if (options.modes.length > 0) await ingestBenchmark();
  if (options.analytics) await analyticsBenchmark();
} finally {
  report.finishedAt = new Date().toISOString();
  report.loadAfter = loadAverage();
  report.busyAfter = busiestProcesses();
}

console.log(renderConsole(report));
if (options.record) {
  const written = await recordResults(report, BENCH_DIR);
  log(`recorded in ${written.join(' and ')}`);
}
process.exit(0);

// ---------------------------------------------------------------------------------------------

async function ingestBenchmark() {
  const dbName = options['ingest-db'];
  const databaseUrl = await recreateDatabase(baseUrl, dbName);
  const nodeArgs = [
    ...options['node-args'],
    ...(options['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', join(CACHE, 'prof', stamp)] : []),
  ];
  log(`starting the service on :${options.port} (database ${dbName})`);
  const server = await startProcess({
    name: 'service',
    script: serverMain,
    nodeArgs,
    env: { ...serverEnv, DATABASE_URL: databaseUrl },
    port: options.port,
    logFile: join(CACHE, 'logs', `${stamp}-service.log`),
    maxLifetimeS: lifetimeS,
  });
  const bare = options.bare
    ? await startProcess({
        name: 'bare-fastify',
        script: join(BENCH_DIR, 'bare-fastify.mjs'),
        env: {},
        port: options.port + 1,
        logFile: join(CACHE, 'logs', `${stamp}-bare.log`),
        maxLifetimeS: lifetimeS,
      })
    : undefined;
  const db = await connect(databaseUrl);
  report.ingest = { startRssMb: server.peakMb() };

  try {
    const fleet = new Fleet({ devices: options.devices });
    log(`linking ${options.devices} vehicles to their meters`);
    const linkStarted = performance.now();
    const linkStatuses = await mapLimit(
      Array.from({ length: options.devices }, (_, i) => i),
      16,
      async (i) => {
        const res = await requestJson(`${server.url}/v1/links`, {
          method: 'POST',
          headers: OPERATOR,
          body: { vehicleId: fleet.ids[options.devices + i], meterId: fleet.ids[i] },
        });
        if (res.status !== 201) throw new Error(`POST /v1/links answered ${res.status}: ${res.text.slice(0, 300)}`);
        return res.status;
      },
    );
    report.ingest.links = { count: linkStatuses.length, seconds: (performance.now() - linkStarted) / 1000 };

    const inDoubt = [];
    const refused = [];
    const anomalies = [];
    for (let run = 1; run <= options.runs; run += 1) {
      const phases = {};
      for (const mode of options.modes) {
        if (mode === 'single' && bare) {
          const scratch = new Fleet({ devices: options.devices });
          log(`run ${run}: bare Fastify, single readings, C=${options.connections}, ${options.duration} s`);
          const bareCpu = new CpuMeter({ serverPid: bare.pid });
          await bareCpu.start();
          const bareResult = await loadPhase({
            url: bare.url,
            headers: DEVICE,
            connections: options.connections,
            durationS: options.duration,
            nextBatch: () => scratch.next(1),
            onAck: () => {},
            abortIf: () => exitReason(bare),
          });
          bareResult.cpu = await bareCpu.stop();
          phases.bare = summarize(bareResult);
        }
        if (mode === 'copy') {
          const rows = Math.min(2_000_000, phases.batch?.acknowledged ?? 1_000_000);
          log(`run ${run}: PostgreSQL COPY of ${rows} rows into the history tables (two COPYs at once)`);
          phases.copy = await copyBaseline({
            databaseUrl,
            rows,
            devices: options.devices,
            originMs: fleet.originMs,
            tag: `${process.pid}-${run}`,
          });
          log(`  ${Math.round(phases.copy.rowsPerS)} rows/s (${phases.copy.seconds.toFixed(1)} s)`);
          continue;
        }
        const phase = {
          single: { connections: options.connections, size: 1 },
          rate: { connections: options.connections, size: 1, overallRate: options.rate },
          batch: { connections: options['batch-connections'], size: options.batch },
        }[mode];
        if (!phase) throw new Error(`Unknown mode ${mode} (single, rate, batch, copy)`);
        log(
          `run ${run}: service, ${mode} (${phase.size} a request), C=${phase.connections}${phase.overallRate ? `, ${phase.overallRate} req/s` : ''}, ${options.duration} s`,
        );
        server.takeWindowPeakMb();
        const cpu = new CpuMeter({ db, database: dbName, serverPid: server.pid });
        await cpu.start();
        const result = await loadPhase({
          url: server.url,
          headers: DEVICE,
          connections: phase.connections,
          durationS: options.duration,
          overallRate: phase.overallRate,
          nextBatch: () => fleet.next(phase.size),
          onAck: (batch) => fleet.record(batch),
          abortIf: () => exitReason(server),
        });
        result.cpu = await cpu.stop();
        if (result.aborted) throw new Error(`${result.aborted}\n${server.logTail(10)}`);
        await sleep(300);
        await waitForIdle(db, dbName);
        result.rssPeakMb = server.takeWindowPeakMb();
        inDoubt.push(...result.inDoubt);
        refused.push(...result.refused);
        anomalies.push(...result.anomalies);
        phases[mode] = summarize(result);
        log(
          `  ${Math.round(result.readingsPerS)} readings/s acknowledged, p50 ${result.latency.p50.toFixed(1)} ms, p99 ${result.latency.p99.toFixed(1)} ms, statuses ${JSON.stringify(result.statuses)}, in doubt ${result.inDoubt.length}`,
        );
      }
      if (phases.single && phases.bare) phases.ratio = phases.single.readingsPerS / phases.bare.requestsPerS;
      if (phases.batch && phases.copy) phases.copyRatio = phases.batch.readingsPerS / phases.copy.rowsPerS;
      report.runs.push(phases);
    }

    log('verifying: acknowledged vs stored (database and API)');
    report.ingest.verification = await verify({ fleet, db, server, inDoubt, refused, anomalies });
    log(`  ${JSON.stringify(report.ingest.verification.summary)}`);
    const { rows } = await db.query(`SELECT pg_size_pretty(pg_database_size(current_database())) AS size`);
    report.ingest.databaseSize = rows[0].size;
  } finally {
    await db.end();
    report.ingest.peakRssMb = server.peakMb();
    const exit = await server.stop();
    report.ingest.serverExit = exit;
    if (bare) await bare.stop();
    if (options['cpu-prof']) report.ingest.cpuProfileDir = join('bench', '.cache', 'prof', stamp);
    if (!options['keep-db']) await withAdmin(baseUrl, (admin) => dropDatabase(admin, dbName));
  }
}

function exitReason(handle) {
  return handle.exitStatus
    ? `${handle.name} exited (${JSON.stringify(handle.exitStatus)}) during the phase`
    : undefined;
}

/** CPU µs per reading (service, PostgreSQL backends, load generator) and cores kept busy, over the phase. */
function cpuPerReading(result) {
  if (!result.cpu) return undefined;
  const readings = Math.max(1, result.acknowledged);
  const { wallS, serviceS, postgresS, clientS, mainRunS, mainWaitS } = result.cpu;
  return {
    mainThreadBusy: mainRunS / wallS,
    mainThreadWaiting: mainWaitS / wallS,
    serviceUs: (serviceS * 1e6) / readings,
    postgresUs: (postgresS * 1e6) / readings,
    clientUs: (clientS * 1e6) / readings,
    serviceCores: serviceS / wallS,
    postgresCores: postgresS / wallS,
    clientCores: clientS / wallS,
  };
}

function summarize(result) {
  return {
    readingsPerS: result.readingsPerS,
    requestsPerS: result.requestsPerS,
    acknowledged: result.acknowledged,
    requests: result.requests,
    elapsedS: result.elapsedS,
    latency: result.latency,
    statuses: result.statuses,
    errors: result.errors,
    timeouts: result.timeouts,
    inDoubt: result.inDoubt.length,
    refused: result.refused.length,
    refusedSample: result.refused.slice(0, 3).map((r) => `${r.status} ${r.body}`),
    anomalies: result.anomalies.length,
    rssPeakMb: result.rssPeakMb,
    cpu: cpuPerReading(result),
    connections: result.connections,
    overallRate: result.overallRate,
  };
}

/** For each batch: which of its readings are stored. One query per stream over all the batches. */
async function storedMask(db, fleet, batches) {
  const meter = { ids: [], ts: [], ref: [] };
  const vehicle = { ids: [], ts: [], ref: [] };
  batches.forEach((batch, b) => {
    for (let i = 0; i < batch.keys.length; i += 1) {
      const k = batch.keys[i];
      const target = k < fleet.devices ? meter : vehicle;
      target.ids.push(fleet.ids[k]);
      target.ts.push(fleet.timestamp(batch.slots[i]));
      target.ref.push(b * 100_000 + i);
    }
  });
  const found = new Set();
  for (const [table, column, data] of [
    ['meter_telemetry', 'meter_id', meter],
    ['vehicle_telemetry', 'vehicle_id', vehicle],
  ]) {
    if (data.ids.length === 0) continue;
    const { rows } = await db.query(
      `SELECT k.ref FROM unnest($1::text[], $2::timestamptz[], $3::int8[]) AS k(id, ts, ref)
       JOIN ${table} t ON t.${column} = k.id AND t.ts = k.ts`,
      [data.ids, data.ts, data.ref],
    );
    for (const row of rows) found.add(Number(row.ref));
  }
  return batches.map((batch, b) => Array.from(batch.keys, (_, i) => found.has(b * 100_000 + i)));
}

function subset(batch, mask) {
  const index = mask.flatMap((stored, i) => (stored ? [i] : []));
  return {
    keys: Int32Array.from(index, (i) => batch.keys[i]),
    slots: Int32Array.from(index, (i) => batch.slots[i]),
    wh: Int32Array.from(index, (i) => batch.wh[i]),
  };
}

async function verify({ fleet, db, server, inDoubt, refused, anomalies }) {
  const acknowledged = fleet.acknowledged;
  const d = fleet.devices;

  // Requests without an answer (cut at the end of a phase, or timed out) and 201s that did not say
  // "all stored": whatever of them is stored joins the expected ledger; a request is all or nothing.
  const doubtful = [...inDoubt, ...anomalies.map((a) => a.batch)];
  const doubtMasks = await storedMask(db, fleet, doubtful);
  let inDoubtStored = 0;
  let partialRequests = 0;
  doubtful.forEach((batch, b) => {
    const mask = doubtMasks[b];
    const stored = mask.filter(Boolean).length;
    if (stored > 0 && stored < mask.length) partialRequests += 1;
    inDoubtStored += stored;
    fleet.record(subset(batch, mask));
  });
  // Refused requests (any status but 201) must have stored nothing.
  const refusedMasks = await storedMask(
    db,
    fleet,
    refused.map((r) => r.batch),
  );
  const refusedStored = refusedMasks.reduce((n, mask) => n + mask.filter(Boolean).length, 0);

  // Database: count, exact energy sum and newest timestamp per device, history and live rows.
  const index = new Map(fleet.ids.map((id, k) => [id, k]));
  const stored = { n: new Int32Array(2 * d), wh: new Float64Array(2 * d), maxMs: new Float64Array(2 * d).fill(-1) };
  let unknownRows = 0;
  let storedRows = 0;
  for (const [table, column] of [
    ['meter_telemetry', 'meter_id'],
    ['vehicle_telemetry', 'vehicle_id'],
  ]) {
    const energy = table === 'meter_telemetry' ? 'kwh_consumed_ac' : 'kwh_delivered_dc';
    const { rows } = await db.query(
      `SELECT ${column} AS id, count(*)::int AS n, (sum(${energy}) * 1000)::text AS wh,
              (extract(epoch FROM max(ts)) * 1000)::int8::text AS max_ms
       FROM ${table} GROUP BY 1`,
    );
    for (const row of rows) {
      storedRows += row.n;
      const k = index.get(row.id);
      if (k === undefined) {
        unknownRows += row.n;
        continue;
      }
      stored.n[k] = row.n;
      stored.wh[k] = Number(row.wh);
      stored.maxMs[k] = Number(row.max_ms);
    }
  }
  const liveMs = new Float64Array(2 * d).fill(-1);
  for (const [table, column] of [
    ['meter_live_status', 'meter_id'],
    ['vehicle_live_status', 'vehicle_id'],
  ]) {
    const { rows } = await db.query(
      `SELECT ${column} AS id, (extract(epoch FROM ts) * 1000)::int8::text AS ms FROM ${table}`,
    );
    for (const row of rows) {
      const k = index.get(row.id);
      if (k !== undefined) liveMs[k] = Number(row.ms);
    }
  }

  // Hourly roll-ups, where the schema has them: per device, their readings and energy must add up to the history.
  let rollupMismatches;
  for (const [table, column] of [
    ['meter_hourly', 'meter_id'],
    ['vehicle_hourly', 'vehicle_id'],
  ]) {
    const { rows: present } = await db.query('SELECT to_regclass($1) IS NOT NULL AS present', [table]);
    if (!present[0].present) continue;
    rollupMismatches ??= 0;
    const { rows } = await db.query(
      `SELECT ${column} AS id, sum(readings)::int AS n, (sum(kwh) * 1000)::text AS wh FROM ${table} GROUP BY 1`,
    );
    const seen = new Set();
    for (const row of rows) {
      const k = index.get(row.id);
      if (k === undefined || row.n !== stored.n[k] || Number(row.wh) !== stored.wh[k]) rollupMismatches += 1;
      seen.add(k);
    }
    const [first, last] = table === 'meter_hourly' ? [0, d] : [d, 2 * d];
    for (let k = first; k < last; k += 1) if (!seen.has(k) && stored.n[k] > 0) rollupMismatches += 1;
  }

  let lost = 0;
  let extra = 0;
  let sumMismatches = 0;
  let liveMismatches = 0;
  const examples = [];
  for (let k = 0; k < 2 * d; k += 1) {
    const expected = fleet.ackCount[k];
    if (stored.n[k] < expected) lost += expected - stored.n[k];
    if (stored.n[k] > expected) extra += stored.n[k] - expected;
    if (stored.wh[k] !== fleet.ackWh[k]) sumMismatches += 1;
    const expectedMax = fleet.ackMaxSlot[k] < 0 ? -1 : fleet.originMs + fleet.ackMaxSlot[k] * 60_000;
    if (stored.maxMs[k] !== expectedMax || liveMs[k] !== expectedMax) liveMismatches += 1;
    if ((stored.n[k] !== expected || stored.wh[k] !== fleet.ackWh[k]) && examples.length < 5) {
      examples.push(
        `${fleet.ids[k]}: expected ${expected} rows / ${fleet.ackWh[k]} Wh, stored ${stored.n[k]} / ${stored.wh[k]}`,
      );
    }
  }

  // API: every vehicle's 24-hour totals against the ledger (vehicle and its meter).
  let apiChecked = 0;
  let apiMismatches = 0;
  const apiExamples = [];
  if (Date.now() < fleet.windowDeadlineMs) {
    await mapLimit(
      Array.from({ length: d }, (_, i) => i),
      8,
      async (i) => {
        const v = d + i;
        const res = await requestJson(`${server.url}/v1/analytics/performance/${fleet.ids[v]}`, { headers: OPERATOR });
        apiChecked += 1;
        const body = res.json ?? {};
        const ok =
          res.status === 200 &&
          body.vehicleReadings === fleet.ackCount[v] &&
          body.meterReadings === fleet.ackCount[i] &&
          Math.round(body.dcKwh * 1000) === fleet.ackWh[v] &&
          Math.round(body.acKwh * 1000) === fleet.ackWh[i];
        if (!ok) {
          apiMismatches += 1;
          if (apiExamples.length < 5) {
            apiExamples.push(
              `${fleet.ids[v]}: ${res.status} ${res.text.slice(0, 200)}; expected ${fleet.ackCount[v]}/${fleet.ackWh[v]} Wh, meter ${fleet.ackCount[i]}/${fleet.ackWh[i]} Wh`,
            );
          }
        }
      },
    );
  } else {
    apiExamples.push('skipped: the run outlasted the 24-hour window of its first readings');
  }

  const expectedRows = fleet.acknowledged;
  return {
    summary: {
      acknowledged,
      inDoubtSent: doubtful.reduce((n, b) => n + b.keys.length, 0),
      inDoubtStored,
      partialRequests,
      refusedSent: refused.reduce((n, r) => n + r.batch.keys.length, 0),
      refusedStored,
      expectedRows,
      storedRows,
      lost,
      extra,
      unknownRows,
      sumMismatches,
      liveMismatches,
      rollupMismatches: rollupMismatches ?? 'no roll-up tables',
      apiChecked,
      apiMismatches,
    },
    ok:
      lost === 0 &&
      extra === 0 &&
      unknownRows === 0 &&
      sumMismatches === 0 &&
      liveMismatches === 0 &&
      (rollupMismatches ?? 0) === 0 &&
      refusedStored === 0 &&
      partialRequests === 0 &&
      apiMismatches === 0 &&
      apiChecked === d,
    examples,
    apiExamples,
  };
}

// ---------------------------------------------------------------------------------------------

async function analyticsBenchmark() {
  let sql;
  try {
    const dist = (file) => pathToFileURL(join(runDir, 'dist', 'src', 'analytics', file)).href;
    const { VEHICLE_PERFORMANCE } = await import(dist('vehicle-performance.sql.js'));
    const { attributionParams } = await import(dist('attribution.sql.js'));
    const { attributionWindow } = await import(dist('report-window.js'));
    sql = {
      text: VEHICLE_PERFORMANCE,
      params: (vehicle, from, to) => [...attributionParams(attributionWindow({ from, to })), vehicle, 0.85, 60, 0.5],
    };
  } catch {
    report.notes.push('EXPLAIN skipped: dist/src/analytics/vehicle-performance.sql.js not found');
  }
  let coldDone = false;
  for (const dbName of options['history-dbs']) {
    const seed = await readSeedInfo(baseUrl, dbName);
    if (!seed || seed.incomplete) {
      report.analytics.push({
        database: dbName,
        skipped: seed ? 'seeding did not finish' : 'not seeded (npm run bench:seed / bench:seed:7d)',
      });
      log(`analytics: ${dbName} ${seed ? 'is incomplete' : 'does not exist'}: skipped`);
      continue;
    }
    const databaseUrl = withDatabase(baseUrl, dbName);
    log(`analytics on ${dbName} (${seed.days} day(s), ${seed.devices} vehicles, seeded ${seed.seededAt})`);
    // Every request asks for the last 24 hours of the seeded history (minute-aligned, as "now" is),
    // the fleet report for the seeded days' whole hours: the answers stay the same however long ago it was seeded.
    const endMs = Date.parse(seed.seededAt);
    const day = { from: new Date(endMs - 24 * HOUR_MS).toISOString(), to: new Date(endMs).toISOString() };
    const fleetTo = Math.floor(endMs / HOUR_MS) * HOUR_MS;
    const fleetWindow = {
      from: new Date(fleetTo - seed.days * 24 * HOUR_MS).toISOString(),
      to: new Date(fleetTo).toISOString(),
    };
    const entry = { database: dbName, seed, window: day, fleetWindow, runs: [], meterRuns: [], fleetRuns: [] };
    const serverOptions = {
      name: 'service',
      script: serverMain,
      env: { ...serverEnv, DATABASE_URL: databaseUrl, PARTITION_DAYS_BEHIND: String(Math.max(7, seed.days + 1)) },
      port: options.port + 2,
      logFile: join(CACHE, 'logs', `${stamp}-analytics-${dbName}.log`),
      maxLifetimeS: lifetimeS,
    };
    const randomDevice = (prefix) =>
      `${prefix}-${String(1 + Math.floor(Math.random() * seed.devices)).padStart(5, '0')}`;
    const vehiclePath = (vehicle) => `/v1/analytics/performance/${vehicle}?from=${day.from}&to=${day.to}`;
    const readingsSeen = [];
    // A GET phase's check: anything but 200 is a problem, else `judge` looks at the answer.
    const answered = (judge) => (status, body, path) =>
      status === 200 ? judge(body, path) : `${path}: ${status} ${body.slice(0, 200)}`;
    const checkVehicle = answered((body, path) => {
      if (path.startsWith('/health')) return undefined;
      const json = JSON.parse(body);
      readingsSeen.push(json.vehicleReadings);
      return json.vehicleReadings > 0 && json.meterReadings > 0 ? undefined : `${path}: no readings in the window`;
    });

    if (options.cold && !coldDone && seed.days === 1) {
      coldDone = true;
      entry.cold = await coldRuns({ serverOptions, seed, randomDevice, vehiclePath, checkVehicle });
    }

    const server = await startProcess(serverOptions);
    try {
      // Vehicle analytics, every other request GET /health/live on the same connection: the service's
      // own floor (routing, serialisation, the event loop) measured in the same run, under the same noise.
      let turn = 0;
      const interleaved = (amount) =>
        getPhase({
          url: server.url,
          headers: OPERATOR,
          amount: 2 * amount,
          nextPath: () => (turn++ % 2 === 1 ? '/health/live' : vehiclePath(randomDevice('V'))),
          groupOf: (path) => (path.startsWith('/health') ? 'health' : 'analytics'),
          check: checkVehicle,
        });
      const meterPhase = (amount) =>
        getPhase({
          url: server.url,
          headers: OPERATOR,
          amount,
          nextPath: () => `/v1/analytics/meters/${randomDevice('M')}?from=${day.from}&to=${day.to}`,
          check: answered((body, path) =>
            JSON.parse(body).meterReadings > 0 ? undefined : `${path}: no readings in the window`,
          ),
        });
      const fleetPath = `/v1/analytics/fleet?from=${fleetWindow.from}&to=${fleetWindow.to}&limit=100`;
      const fleetPhase = (amount) =>
        getPhase({
          url: server.url,
          headers: OPERATOR,
          amount,
          nextPath: () => fleetPath,
          check: answered((body, path) =>
            JSON.parse(body).total >= seed.devices ? undefined : `${path}: fewer vehicles than seeded`,
          ),
        });

      await interleaved(200); // warm-up, not recorded
      await meterPhase(200);
      // The service builds the fleet report's snapshots in the background after it starts (all of them
      // on a fresh database): the report is measured once they cover its window, as in steady operation.
      entry.snapshotWaitMs = Math.round(await waitForSnapshots(databaseUrl, fleetWindow));
      log(`  attribution snapshots of the fleet window ready ${entry.snapshotWaitMs} ms after the warm-up`);
      await fleetPhase(1);
      for (let run = 1; run <= options.runs; run += 1) {
        const result = await interleaved(options['analytics-requests']);
        const { analytics, health } = result.groups;
        log(
          `  run ${run}: vehicle p50 ${analytics.p50.toFixed(2)} ms, p99 ${analytics.p99.toFixed(2)} ms; /health/live p99 ${health.p99.toFixed(2)} ms; problems ${result.problems.length}`,
        );
        entry.runs.push({
          latency: analytics,
          health,
          requests: result.requests,
          problems: result.problems.length,
          problemSample: result.problems.slice(0, 3),
        });
        const meters = await meterPhase(options['analytics-requests']);
        log(
          `  run ${run}: meter view p50 ${meters.latency.p50.toFixed(2)} ms, p99 ${meters.latency.p99.toFixed(2)} ms`,
        );
        entry.meterRuns.push({
          latency: meters.latency,
          problems: meters.problems.length,
          problemSample: meters.problems.slice(0, 3),
        });
        const fleet = await fleetPhase(options['fleet-requests']);
        log(
          `  run ${run}: fleet report (${seed.days} d) median ${fleet.latency.p50.toFixed(0)} ms of ${fleet.requests}`,
        );
        entry.fleetRuns.push({
          latency: fleet.latency,
          problems: fleet.problems.length,
          problemSample: fleet.problems.slice(0, 3),
        });
      }
      readingsSeen.sort((a, b) => a - b);
      entry.vehicleReadingsMedian = readingsSeen[Math.floor(readingsSeen.length / 2)];
      entry.crossCheck = await crossCheck(server, databaseUrl, () => randomDevice('V'), day);
      if (sql) entry.explain = await explain(databaseUrl, sql, randomDevice('V'), day);
    } finally {
      entry.peakRssMb = server.peakMb();
      await server.stop();
    }
    report.analytics.push(entry);
  }
}

/**
 * Per-vehicle analytics on a cold cache, as after the OS reclaimed its page cache: before each run
 * the page cache is dropped (`sync; echo 3 > /proc/sys/vm/drop_caches`) and PostgreSQL restarted
 * (pg_ctlcluster), then a fresh service answers `cold-requests` distinct random vehicles, one at a time.
 * Needs root and the local cluster; skipped (and said so) otherwise.
 */
async function coldRuns({ serverOptions, seed, randomDevice, vehiclePath, checkVehicle }) {
  const cluster = localCluster();
  if (!cluster.ok) {
    log(`analytics cold: skipped (${cluster.reason})`);
    return { skipped: cluster.reason };
  }
  const runs = [];
  for (let run = 1; run <= options.runs; run += 1) {
    execFileSync('sync');
    writeFileSync('/proc/sys/vm/drop_caches', '3\n');
    execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', cluster.version, cluster.name, 'restart']);
    await waitForPostgres(baseUrl);
    const server = await startProcess(serverOptions);
    try {
      const picked = new Set();
      while (picked.size < Math.min(options['cold-requests'], seed.devices)) {
        picked.add(randomDevice('V'));
      }
      const vehicles = [...picked];
      const result = await getPhase({
        url: server.url,
        headers: OPERATOR,
        amount: vehicles.length,
        nextPath: () => vehiclePath(vehicles.pop()),
        check: checkVehicle,
      });
      log(
        `  cold run ${run}: p50 ${result.latency.p50.toFixed(1)} ms, p90 ${result.latency.p90.toFixed(1)} ms, p99 ${result.latency.p99.toFixed(1)} ms over ${result.requests} vehicles`,
      );
      runs.push({ latency: result.latency, requests: result.requests, problems: result.problems.length });
    } finally {
      await server.stop();
    }
  }
  return { runs };
}

/** The local PostgreSQL cluster the bench may restart: root, pg_ctlcluster, DATABASE_URL on this host. */
function localCluster() {
  if (process.getuid?.() !== 0) return { ok: false, reason: 'not root: cannot drop the page cache' };
  const host = new URL(baseUrl).hostname;
  if (!['127.0.0.1', 'localhost', '::1', ''].includes(host)) return { ok: false, reason: `PostgreSQL on ${host}` };
  let versions = [];
  try {
    versions = readdirSync('/etc/postgresql');
  } catch {
    return { ok: false, reason: 'no /etc/postgresql: no pg_ctlcluster cluster to restart' };
  }
  if (versions.length !== 1) return { ok: false, reason: `clusters: ${versions.join(', ') || 'none'}` };
  return { ok: true, version: versions[0], name: 'main' };
}

/**
 * The API's totals for a few vehicles against the same sums computed directly in SQL over the same
 * window. Only vehicles on one meter all window (1:1: the whole meter's AC is theirs) are compared;
 * shared and re-pointed ones are covered by the attribution tests' recomputation.
 */
async function crossCheck(server, databaseUrl, randomVehicle, window) {
  const db = await connect(databaseUrl);
  let mismatches = 0;
  let checked = 0;
  try {
    for (let i = 0; checked < 20 && i < 200; i += 1) {
      const vehicle = randomVehicle();
      const res = await requestJson(
        `${server.url}/v1/analytics/performance/${vehicle}?from=${window.from}&to=${window.to}`,
        { headers: OPERATOR },
      );
      const api = res.json;
      const { rows: sharing } = await db.query(
        `SELECT count(*)::int AS n FROM link_periods WHERE meter_id = $1 OR vehicle_id = $2`,
        [api.meterId, vehicle],
      );
      if (sharing[0].n !== 1) continue;
      checked += 1;
      const { rows } = await db.query(
        `SELECT (SELECT (sum(kwh_consumed_ac) * 1000)::text FROM meter_telemetry WHERE meter_id = $4 AND ts >= $2 AND ts < $3) AS ac,
                (SELECT (sum(kwh_delivered_dc) * 1000)::text FROM vehicle_telemetry WHERE vehicle_id = $1 AND ts >= $2 AND ts < $3) AS dc,
                (SELECT count(*)::int FROM vehicle_telemetry WHERE vehicle_id = $1 AND ts >= $2 AND ts < $3) AS n`,
        [vehicle, api.from, api.to, api.meterId],
      );
      const row = rows[0];
      if (
        Math.round(api.acKwh * 1000) !== Math.round(Number(row.ac)) ||
        Math.round(api.dcKwh * 1000) !== Math.round(Number(row.dc)) ||
        api.vehicleReadings !== row.n
      ) {
        mismatches += 1;
      }
    }
  } finally {
    await db.end();
  }
  return { checked, mismatches };
}

/** EXPLAIN (ANALYZE, BUFFERS) of the service's own statement for one vehicle: first and third execution. */
async function explain(databaseUrl, sql, vehicle, window) {
  const db = await connect(databaseUrl);
  try {
    const from = new Date(window.from);
    const to = new Date(window.to);
    const plans = [];
    for (let i = 0; i < 3; i += 1) {
      const { rows } = await db.query(`EXPLAIN (ANALYZE, BUFFERS) ${sql.text}`, sql.params(vehicle, from, to));
      plans.push(rows.map((r) => r['QUERY PLAN']).join('\n'));
    }
    const time = (plan) => Number(/Execution Time: ([\d.]+) ms/.exec(plan)?.[1]);
    const planning = (plan) => Number(/Planning Time: ([\d.]+) ms/.exec(plan)?.[1]);
    return {
      vehicle,
      firstExecutionMs: time(plans[0]),
      executionMs: time(plans[2]),
      planningMs: planning(plans[2]),
      plan: plans[2],
    };
  } finally {
    await db.end();
  }
}
