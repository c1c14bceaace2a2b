#!/usr/bin/env node
/**
 * Two-replica test (not part of `npm test`; `.ci/run` runs it after `npm run build`): two processes of
 * the built service (dist/) start together on ONE empty database, take load through both, and one
 * is SIGKILLed mid-load. Like a load balancer, a client whose request to the killed replica got no
 * answer sends the same batch to the survivor. Then:
 *   - every migration was applied exactly once (both started at the same instant);
 *   - every acknowledged reading is stored exactly once, and nothing that was never sent is stored;
 *   - the hourly roll-ups equal the raw history (a retried batch that the killed replica had
 *     committed before dying is counted once, not twice);
 *   - live rows never regress: each device's live row is its newest stored reading, though every
 *     device's readings were sent out of time order;
 *   - the killed replica starts again on the same database and becomes ready.
 *
 *   node test/replicas/replicas.test.mjs [--requests 600] [--kill-after 200]
 *   DATABASE_URL: the server to use (default postgres://postgres@127.0.0.1:5432/postgres)
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { readdirSync } from 'node:fs';
import { adminQuery, query as queryOn, startService, stopwatchLog, withDatabase } from '../lib/service-process.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const MAIN = join(ROOT, 'dist/src/main.js');
const WORKERS = 8;
const BATCH = 25;
const DEVICES_PER_WORKER = 10;
const REQUEST_TIMEOUT_MS = 10_000;

const { values: args } = parseArgs({
  options: {
    requests: { type: 'string', default: '600' },
    'kill-after': { type: 'string', default: '200' },
  },
});
const REQUESTS = Number(args.requests);
const KILL_AFTER = Number(args['kill-after']);
const serverUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const dbName = `replicas_${process.pid}`;
const databaseUrl = withDatabase(serverUrl, dbName);
const log = stopwatchLog('replicas');
// Upkeep every second on both replicas, so that they contend for it during the load.
const ENV = { PARTITION_MAINTENANCE_INTERVAL_MS: '1000' };
let failed = false;

try {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` first`);
  await adminQuery(serverUrl, `CREATE DATABASE ${dbName}`);
  const replicas = await Promise.all(
    ['A', 'B'].map((name) => startService(`replica ${name}`, MAIN, { cwd: ROOT, databaseUrl, env: ENV })),
  );
  log(`replicas A (pid ${replicas[0].pid}) and B (pid ${replicas[1].pid}) ready on one empty database`);
  const problems = [];
  const migrations = (await query('SELECT name FROM typeorm_migrations')).map((row) => row.name);
  const expected = readdirSync(join(ROOT, 'migrations')).filter((file) => file.endsWith('.ts')).length;
  if (migrations.length !== expected || new Set(migrations).size !== migrations.length) {
    problems.push(`typeorm_migrations: ${migrations.join(', ')}; expected ${expected} migrations, each once`);
  }

  const load = await runLoad(replicas);
  log(
    `${load.sentRequests} requests: ${load.acknowledged.size} readings acknowledged; A killed after ${KILL_AFTER} answers, ` +
      `${load.retried} requests cut off by the kill and sent again to B (${load.duplicatesOnRetry} of their readings ` +
      'already stored by A before it died)',
  );
  problems.push(...(await verify(load)));

  const restarted = await startService('replica A (restarted)', MAIN, { cwd: ROOT, databaseUrl, env: ENV });
  log('replica A restarted on the same database and ready');
  await restarted.stop();
  await replicas[1].stop();

  if (problems.length > 0) {
    failed = true;
    console.error(`REPLICAS TEST FAILED:\n  ${problems.slice(0, 30).join('\n  ')}`);
  } else {
    log('PASSED: every acknowledged reading stored exactly once, roll-ups equal history, live rows are the newest');
  }
} catch (error) {
  failed = true;
  console.error(`REPLICAS TEST FAILED: ${error instanceof Error ? error.message : String(error)}`);
} finally {
  await adminQuery(serverUrl, `DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch((error) =>
    console.error(`could not drop ${dbName}: ${error.message}`),
  );
}
process.exit(failed ? 1 : 0);

/**
 * WORKERS clients, each with its own devices; every batch holds BATCH readings whose timestamps go
 * backwards and forwards (a device's readings arrive out of order). Requests alternate between A
 * and B; after KILL_AFTER answers A is SIGKILLed and a request that got no answer goes to B.
 */
async function runLoad([a, b]) {
  const sent = new Map(); // key → reading, for every reading ever sent
  const acknowledged = new Set();
  const base = Math.floor(Date.now() / 60_000) * 60_000 - 3 * 3_600_000; // three hours ago, whole minute
  let next = 0;
  let answers = 0;
  let killed = false;
  let retried = 0;
  let duplicatesOnRetry = 0;

  const batchFor = (worker, request) =>
    Array.from({ length: BATCH }, (_, i) => {
      const device = DEVICES_PER_WORKER * worker + (i % DEVICES_PER_WORKER);
      // Unique per device; a scrambled order of seconds over the last three hours.
      const slot = request * Math.ceil(BATCH / DEVICES_PER_WORKER) + Math.floor(i / DEVICES_PER_WORKER);
      const at = new Date(base + ((slot * 7919) % 10_000) * 1000 + slot).toISOString();
      return i % 2 === 0
        ? { meterId: `rep-m-${device}`, kwhConsumedAc: 0.001 * (slot % 997), voltage: 230, timestamp: at }
        : {
            vehicleId: `rep-v-${device}`,
            soc: slot % 100,
            kwhDeliveredDc: 0.001 * (slot % 991),
            batteryTemp: 25,
            timestamp: at,
          };
    });

  const worker = async (w) => {
    for (;;) {
      const request = next++;
      if (request >= REQUESTS) return;
      const batch = batchFor(w, request);
      for (const reading of batch) sent.set(keyOf(reading), reading);
      const target = killed || request % 2 === 1 ? b : a;
      let res = await post(target.url, batch);
      if (res === undefined && target === a) {
        // No answer from A (killed mid-request): whatever A did, the client tries B, as a load balancer would.
        retried += 1;
        res = await post(b.url, batch);
        if (res?.status === 201) duplicatesOnRetry += res.body.duplicates;
      }
      if (res === undefined) throw new Error('replica B did not answer');
      if (res.status !== 201) throw new Error(`answered ${res.status}: ${JSON.stringify(res.body)}`);
      for (const reading of batch) acknowledged.add(keyOf(reading));
      answers += 1;
      if (answers === KILL_AFTER && !killed) {
        killed = true;
        a.kill(); // SIGKILL: no drain, no goodbye
      }
    }
  };
  await Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
  await a.exited;
  return { sent, acknowledged, sentRequests: REQUESTS, retried, duplicatesOnRetry };
}

async function post(url, body) {
  try {
    const res = await fetch(`${url}/v1/telemetry`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    return { status: res.status, body: await res.json() };
  } catch {
    return undefined; // connection refused or reset: no answer
  }
}

async function verify({ sent, acknowledged }) {
  const problems = [];
  const stored = await query(`
    SELECT 'm|' || meter_id || '|' || to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS key FROM meter_telemetry
    UNION ALL
    SELECT 'v|' || vehicle_id || '|' || to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') FROM vehicle_telemetry`);
  const counts = new Map();
  for (const { key } of stored) counts.set(key, (counts.get(key) ?? 0) + 1);
  const lost = [...acknowledged].filter((key) => counts.get(key) !== 1);
  const unknown = [...counts.keys()].filter((key) => !sent.has(key));
  if (lost.length > 0) problems.push(`${lost.length} acknowledged readings not stored exactly once, e.g. ${lost[0]}`);
  if (unknown.length > 0) problems.push(`${unknown.length} stored readings were never sent, e.g. ${unknown[0]}`);
  log(`stored ${stored.length} rows; acknowledged ${acknowledged.size}; sent ${sent.size}`);

  const rollups = await query(`
    SELECT 'meter' AS stream, (SELECT count(*) FROM meter_telemetry)::int AS raw,
           (SELECT coalesce(sum(readings), 0) FROM meter_hourly)::int AS rolled,
           (SELECT coalesce(sum(kwh_consumed_ac), 0) FROM meter_telemetry)::text AS raw_kwh,
           (SELECT coalesce(sum(kwh), 0) FROM meter_hourly)::text AS rolled_kwh
    UNION ALL
    SELECT 'vehicle', (SELECT count(*) FROM vehicle_telemetry)::int, (SELECT coalesce(sum(readings), 0) FROM vehicle_hourly)::int,
           (SELECT coalesce(sum(kwh_delivered_dc), 0) FROM vehicle_telemetry)::text, (SELECT coalesce(sum(kwh), 0) FROM vehicle_hourly)::text`);
  for (const row of rollups) {
    if (row.raw !== row.rolled || Number(row.raw_kwh) !== Number(row.rolled_kwh)) {
      problems.push(
        `${row.stream} roll-ups ${row.rolled} readings / ${row.rolled_kwh} kWh ≠ history ${row.raw} / ${row.raw_kwh}`,
      );
    }
  }

  const regressed = await query(`
    SELECT live.meter_id AS device FROM meter_live_status live
      JOIN (SELECT meter_id, max(ts) AS ts FROM meter_telemetry GROUP BY 1) newest USING (meter_id)
      WHERE live.ts <> newest.ts
    UNION ALL
    SELECT live.vehicle_id FROM vehicle_live_status live
      JOIN (SELECT vehicle_id, max(ts) AS ts FROM vehicle_telemetry GROUP BY 1) newest USING (vehicle_id)
      WHERE live.ts <> newest.ts`);
  if (regressed.length > 0) problems.push(`${regressed.length} live rows are not their device's newest reading`);
  const [{ live }] = await query(
    'SELECT ((SELECT count(*) FROM meter_live_status) + (SELECT count(*) FROM vehicle_live_status))::int AS live',
  );
  if (live !== WORKERS * DEVICES_PER_WORKER)
    problems.push(`${live} live rows, expected ${WORKERS * DEVICES_PER_WORKER}`);
  return problems;
}

function keyOf(reading) {
  const iso = new Date(reading.timestamp).toISOString();
  return reading.meterId ? `m|${reading.meterId}|${iso}` : `v|${reading.vehicleId}|${iso}`;
}

function query(sql) {
  return queryOn(databaseUrl, sql);
}
