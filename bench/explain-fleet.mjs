// Prints EXPLAIN (ANALYZE, BUFFERS) of the fleet report's statement over the last whole 24 UTC hours
// of a seeded database: node bench/explain-fleet.mjs [database] [--snapshots]
// By default the rule computed live over the whole window (what a report costs where no snapshot covers
// it); with --snapshots, the statement as the service runs it once the snapshots cover the window (they
// must be built: start the service on the database once and let it build them).
import pg from 'pg';
import { SNAPSHOT_END } from '../dist/src/analytics/attribution-snapshots.sql.js';
import { attributionParams } from '../dist/src/analytics/attribution.sql.js';
import { fleetPerformance, snapshotSlices } from '../dist/src/analytics/fleet.sql.js';
import { attributionWindow } from '../dist/src/analytics/report-window.js';

const db = process.argv.slice(2).find((arg) => !arg.startsWith('--')) ?? 'bench_history_1d';
const fromSnapshots = process.argv.includes('--snapshots');
const client = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:5432/${db}` });
await client.connect();
await client.query('SET jit = off'); // as the service's connections
await client.query(`SET work_mem = '${process.env.WORK_MEM ?? '64MB'}'`); // as the service sets it for the report
const { rows } = await client.query(`SELECT date_trunc('hour', max(hour)) AS last FROM meter_hourly`);
const to = new Date(rows[0].last);
const from = new Date(to.getTime() - 24 * 3600e3);
let liveFrom = from;
if (fromSnapshots) {
  const [{ snapshot_end: end }] = (await client.query(SNAPSHOT_END, [from, to])).rows;
  if (end.getTime() !== to.getTime()) {
    throw new Error(`snapshots cover ${from.toISOString()} – ${end.toISOString()} only: let the service build them`);
  }
  liveFrom = end;
}
const slices = snapshotSlices(from, liveFrom);
const statement = fleetPerformance(liveFrom.getTime() < to.getTime());
const params = [
  ...attributionParams(attributionWindow({ from: liveFrom, to })),
  0.85,
  100,
  0,
  60,
  0.5,
  null,
  null,
  from,
  slices.hours,
  slices.signs,
];
const runs = [];
for (let i = 0; i < 5; i++) {
  const started = performance.now();
  await client.query(statement, params);
  runs.push(performance.now() - started);
}
console.log(
  `window ${from.toISOString()} ${to.toISOString()} (${fromSnapshots ? 'snapshots' : 'live'}) runs ms`,
  runs.map((r) => r.toFixed(0)).join(' '),
);
const plan = await client.query(`EXPLAIN (ANALYZE, BUFFERS) ${statement}`, params);
console.log(plan.rows.map((r) => r['QUERY PLAN']).join('\n'));
await client.end();
