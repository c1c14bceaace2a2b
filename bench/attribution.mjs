#!/usr/bin/env node
/**
 * `npm run bench:attribution`: the attributed reads on a seeded fleet (bench/seed.mjs: depot meters
 * shared three to a meter, mid-hour re-points), timed over HTTP against the built service on that
 * database: the fleet report (10,000 vehicles, one page of 100, the whole ranking computed), the
 * meter view of depot and 1:1 meters, and the vehicle view, each interleaved with GET /health/live.
 * Prints medians and p99 and, unless --no-record, appends them to bench/results/<date>-attribution.md.
 * Run by hand, never by a test: the figures depend on the machine.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, usage } from './lib/args.mjs';
import { connect, waitForSnapshots } from './lib/db.mjs';
import { gitRevision, loadAverage, machineInfo } from './lib/machine.mjs';
import { startProcess } from './lib/server.mjs';
import { Samples } from './lib/stats.mjs';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(BENCH_DIR, '..');

const SPEC = {
  db: { type: 'string', default: 'bench_history_1d', help: 'seeded database' },
  'database-url': {
    type: 'string',
    env: 'DATABASE_URL',
    default: 'postgres://postgres@127.0.0.1:5432/postgres',
    help: 'server and credentials',
  },
  fleet: { type: 'number', default: 15, min: 1, help: 'fleet report requests' },
  views: { type: 'number', default: 300, min: 1, help: 'meter and vehicle view requests each' },
  port: { type: 'number', default: 3905, min: 1, help: 'service port' },
  record: { type: 'boolean', default: true, help: 'append the figures to bench/results' },
};
const options = parseArgs(process.argv.slice(2), SPEC);
if (options.help) {
  console.log(usage('node bench/attribution.mjs [options]', SPEC));
  process.exit(0);
}

const url = new URL(options['database-url']);
url.pathname = `/${options.db}`;
const db = await connect(url.toString(), 'energy-bench-attribution');
const { rows } = await db.query(
  `SELECT (SELECT max(ts) FROM meter_telemetry) AS newest,
          (SELECT count(*)::int FROM link_periods) AS periods,
          (SELECT count(DISTINCT meter_id)::int FROM link_periods) AS linked_meters`,
);
await db.end();
const newest = rows[0].newest;
const HOUR = 3_600_000;
const to = new Date(Math.floor(newest.getTime() / HOUR) * HOUR); // whole hours: the fleet report's grain
const from = new Date(to.getTime() - 24 * HOUR);
const window = `from=${from.toISOString()}&to=${to.toISOString()}`;
console.log(`${options.db}: ${rows[0].periods} link periods over ${rows[0].linked_meters} meters; window ${window}`);

const server = await startProcess({
  name: 'service',
  script: join(ROOT, 'dist', 'src', 'main.js'),
  env: { DATABASE_URL: url.toString(), HOST: '127.0.0.1', LOG_LEVEL: 'warn', MIGRATIONS_RUN_ON_BOOT: 'true' },
  port: options.port,
  logFile: join(BENCH_DIR, '.cache', 'logs', 'attribution-service.log'),
  maxLifetimeS: 1800,
});

async function timed(path) {
  const started = performance.now();
  const res = await fetch(`${server.url}${path}`);
  const body = await res.json();
  const ms = performance.now() - started;
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`);
  return { ms, body };
}

const pad = (n) => String(n).padStart(5, '0');
const results = {};
async function phase(name, count, pathOf) {
  const samples = new Samples();
  const live = new Samples();
  await timed(pathOf(0)); // warm-up: plan cache, first pages
  for (let i = 0; i < count; i++) {
    samples.add((await timed(pathOf(i))).ms);
    live.add((await timed('/health/live')).ms);
  }
  results[name] = { ...samples.summary(), liveP99: live.summary().p99 };
  const s = results[name];
  console.log(
    `${name}: n ${s.n}, p50 ${s.p50.toFixed(2)} ms, p99 ${s.p99.toFixed(2)} ms (health/live p99 ${s.liveP99.toFixed(2)} ms)`,
  );
}

try {
  // The service builds the fleet report's attribution snapshots in the background once it runs.
  const waitedMs = await waitForSnapshots(url.toString(), { from: from.toISOString(), to: to.toISOString() });
  console.log(`attribution snapshots of the window ready after ${Math.round(waitedMs)} ms`);
  const first = await timed(`/v1/analytics/fleet?${window}&limit=100`);
  console.log(
    `fleet: total ${first.body.total}, below ${first.body.totalBelowThreshold}, insufficient ${first.body.totalInsufficientData}`,
  );
  await phase(
    'fleet report (10,000 vehicles, a page of 100)',
    options.fleet,
    () => `/v1/analytics/fleet?${window}&limit=100`,
  );
  // The default window: the 24 hours to the end of the current hour, which is computed live (the seed's
  // history ends when it ran, so that hour may hold no readings; the rule still runs over every link).
  await phase('fleet report, default window (current hour live)', options.fleet, () => `/v1/analytics/fleet?limit=100`);
  // Meters 1, 4, 7, … feed three vehicles each (the seeder's depot groups); the last meters are 1:1.
  await phase(
    'meter view, depot meters',
    options.views,
    (i) => `/v1/analytics/meters/M-${pad(1 + 3 * (i % 900))}?${window}`,
  );
  await phase(
    'meter view, 1:1 meters',
    options.views,
    (i) => `/v1/analytics/meters/M-${pad(9001 + (i % 999))}?${window}`,
  );
  await phase(
    'vehicle view, last 24 h',
    options.views,
    (i) => `/v1/analytics/performance/V-${pad(1 + ((i * 7919) % 10000))}`,
  );
} finally {
  await server.stop();
}

if (options.record) {
  const machine = machineInfo();
  const revision = gitRevision(ROOT);
  const day = new Date().toISOString().slice(0, 10);
  const file = join(BENCH_DIR, 'results', `${day}-attribution.md`);
  mkdirSync(dirname(file), { recursive: true });
  const lines = [
    `\n## ${new Date().toISOString()} — commit ${revision.commit}${revision.dirty ? ' (dirty)' : ''}`,
    `Machine: ${machine.cpu}, ${machine.memoryGiB} GiB, ${machine.os}, Node ${machine.node}; load average ${loadAverage()}.`,
    `Database ${options.db}, window ${from.toISOString()} – ${to.toISOString()}.`,
    '',
    '| read | n | p50 ms | p99 ms | /health/live p99 ms |',
    '| --- | --- | --- | --- | --- |',
    ...Object.entries(results).map(
      ([name, s]) => `| ${name} | ${s.n} | ${s.p50.toFixed(2)} | ${s.p99.toFixed(2)} | ${s.liveP99.toFixed(2)} |`,
    ),
  ];
  appendFileSync(file, `${lines.join('\n')}\n`);
  console.log(`recorded in ${file}`);
}
process.exit(0);
