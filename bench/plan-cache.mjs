// Generic against custom plans of the vehicle and meter views, per window shape, on a seeded database:
//   node bench/plan-cache.mjs [database] [requests per shape]      (after npm run build)
// "generic": a named statement on a connection with plan_cache_mode = force_generic_plan (planned once);
// "custom": an unnamed statement, planned with its values on every call; "auto": a named statement left
// to PostgreSQL's choice (five custom plans, then the generic one if its estimate is no higher).
// The service uses the generic plan only for the shapes where it wins (src/analytics/analytics.service.ts).
import pg from 'pg';
import { attributionParams } from '../dist/src/analytics/attribution.sql.js';
import { METER_PERFORMANCE } from '../dist/src/analytics/meter-performance.sql.js';
import { attributionWindow, performanceWindow } from '../dist/src/analytics/report-window.js';
import { VEHICLE_PERFORMANCE } from '../dist/src/analytics/vehicle-performance.sql.js';

const db = process.argv[2] ?? 'bench_history_1d';
const requests = Number(process.argv[3] ?? 40);
const HOUR = 3_600_000;
const url = `postgres://postgres@127.0.0.1:5432/${db}`;
const connect = async (options) => {
  const client = new pg.Client({ connectionString: url, options: `-c jit=off ${options}` });
  await client.connect();
  return client;
};
const clients = {
  generic: await connect('-c plan_cache_mode=force_generic_plan'),
  custom: await connect(''),
  auto: await connect(''),
};
const { rows } = await clients.custom.query(`SELECT max(ts) + interval '1 minute' AS seeded FROM meter_telemetry`);
const end = new Date(rows[0].seeded);
const window = (hours) =>
  performanceWindow({ from: new Date(end.getTime() - hours * HOUR).toISOString(), to: end.toISOString() }, end);
const shapes = {
  'last 24 h': attributionParams(attributionWindow(window(24))),
  'last 24 h, 1 h buckets': attributionParams(attributionWindow(window(24), 3600)),
  'last 24 h, 15 min buckets': attributionParams(attributionWindow(window(24), 900)),
  'last 6.5 days': attributionParams(attributionWindow(window(156))),
  'last 6.5 days, day buckets (Europe/Berlin)': attributionParams(
    attributionWindow(window(156), 86400, 'Europe/Berlin'),
  ),
};
const repointed = (
  await clients.custom.query(`SELECT vehicle_id FROM link_periods GROUP BY 1 HAVING count(*) > 1 LIMIT 50`)
).rows.map((row) => row.vehicle_id);
const pick = (prefix) => `${prefix}-${String(1 + Math.floor(Math.random() * 10000)).padStart(5, '0')}`;
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

console.log(
  `${db}, ${requests} requests a shape and mode (every fourth vehicle a re-pointed one, its pages read once before), median ms`,
);
console.log('| view | shape | generic | custom | auto |\n|---|---|---:|---:|---:|');
for (const [view, text, extra, prefix] of [
  ['vehicle', VEHICLE_PERFORMANCE, [0.85, 60, 0.5], 'V'],
  ['meter', METER_PERFORMANCE, [0.85], 'M'],
]) {
  for (const [shape, params] of Object.entries(shapes)) {
    const times = { generic: [], custom: [], auto: [] };
    for (let i = 0; i < requests; i += 1) {
      const device =
        prefix === 'V' && i % 4 === 0 && repointed.length > 0 ? repointed[i % repointed.length] : pick(prefix);
      const values = [...params, device, ...extra];
      await clients.custom.query({ text, values }); // warms the device's pages: no mode pays the cold read
      const modes = Object.entries(clients);
      for (let j = 0; j < modes.length; j += 1) {
        const [mode, client] = modes[(i + j) % modes.length]; // each mode goes first as often as the others
        const started = performance.now();
        await client.query({ ...(mode === 'custom' ? {} : { name: view }), text, values });
        times[mode].push(performance.now() - started);
      }
    }
    console.log(
      `| ${view} | ${shape} | ${median(times.generic).toFixed(1)} | ${median(times.custom).toFixed(1)} | ${median(times.auto).toFixed(1)} |`,
    );
  }
}
await Promise.all(Object.values(clients).map((client) => client.end()));
