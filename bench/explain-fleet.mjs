// Prints EXPLAIN (ANALYZE, BUFFERS) of the fleet report's statement over the last whole 24 UTC hours
// of a seeded database: node bench/explain-fleet.mjs [database] [--text]
import pg from 'pg';
import { FLEET_PERFORMANCE } from '../dist/src/analytics/fleet.sql.js';

const db = process.argv[2] ?? 'bench_history_1d';
const client = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:5432/${db}` });
await client.connect();
await client.query('SET jit = off');
if (process.env.WORK_MEM) await client.query(`SET work_mem = '${process.env.WORK_MEM}'`);
const { rows } = await client.query(`SELECT date_trunc('hour', max(hour)) AS last FROM meter_hourly`);
const to = new Date(rows[0].last);
const from = new Date(to.getTime() - 24 * 3600e3);
const params = [from, to, from, to, from, to, null, null, 0.85, 100, 0, 60, 0.5, null, null, from, [], []];
const runs = [];
for (let i = 0; i < 3; i++) {
  const started = performance.now();
  await client.query(FLEET_PERFORMANCE, params);
  runs.push(performance.now() - started);
}
console.log('window', from.toISOString(), to.toISOString(), 'runs ms', runs.map((r) => r.toFixed(0)).join(' '));
const plan = await client.query(`EXPLAIN (ANALYZE, BUFFERS) ${FLEET_PERFORMANCE}`, params);
console.log(plan.rows.map((r) => r['QUERY PLAN']).join('\n'));
await client.end();
