#!/usr/bin/env node
/**
 * `npm run bench:seed` (one fleet day) and `npm run bench:seed:7d` (seven): fills a dedicated
 * database with history for D meters and D vehicles, one reading a minute each, ending at the
 * current minute, with set-based SQL (INSERT … SELECT over generate_series, one statement per
 * stream and UTC day partition, two streams in parallel), then VACUUM ANALYZE. The schema is the
 * service's own: the built service is started once on the empty database to run its migrations.
 *
 * Layout: by default rows go in in arrival order (minute by minute, every device), as the service
 * would lay them down, so one vehicle's day is spread over ~1,440 heap pages. `--layout device`
 * writes device by device instead (as if every partition were CLUSTERed on its primary key).
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpSync, rmSync, statfsSync } from 'node:fs';
import { parseArgs, usage } from './lib/args.mjs';
import { connect, recreateDatabase, withAdmin, writeSeedInfo } from './lib/db.mjs';
import { startProcess } from './lib/server.mjs';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(BENCH_DIR, '..');
const CACHE = join(BENCH_DIR, '.cache');
const MINUTE_MS = 60_000;
const BYTES_PER_ROW = 125; // measured: heap + primary key, arrival order, PostgreSQL 15

const SPEC = {
  days: { type: 'number', default: 1, min: 1, help: 'days of history ending now' },
  devices: { type: 'number', env: 'D', default: 10_000, min: 1, help: 'meters and vehicles each' },
  db: { type: 'string', default: '', help: 'database (default bench_history_<days>d; re-created)' },
  layout: { type: 'string', default: 'arrival', help: 'arrival (minute by minute) or device (device by device)' },
  jobs: { type: 'number', default: 2, min: 1, help: 'statements run in parallel' },
  'database-url': {
    type: 'string',
    env: 'DATABASE_URL',
    default: 'postgres://postgres@127.0.0.1:5432/postgres',
    help: 'server and credentials',
  },
  dist: {
    type: 'string',
    env: 'BENCH_DIST',
    default: 'dist',
    help: 'built service, started once to migrate the database',
  },
  port: { type: 'number', default: 3903, min: 1, help: 'port of that migration-only start' },
  force: { type: 'boolean', default: false, help: 'seed even if the disk estimate exceeds 80 % of the free space' },
  share: {
    type: 'number',
    default: 0.3,
    min: 0,
    help: 'fraction of vehicles on depot meters, three to a meter (the rest 1:1)',
  },
  repoints: { type: 'number', default: 100, min: 0, help: 'vehicles re-pointed mid-hour during the window' },
  register: {
    type: 'number',
    default: 0.1,
    min: 0,
    help: 'fraction of meters (spread over depot and 1:1 ones) that report a cumulative register, registered as such',
  },
};

const options = parseArgs(process.argv.slice(2), SPEC);
if (options.help) {
  console.log(usage('node bench/seed.mjs [options]   (npm run bench:seed -- [options])', SPEC));
  process.exit(0);
}
if (!['arrival', 'device'].includes(options.layout)) throw new Error('--layout is arrival or device');
const dbName = options.db || `bench_history_${options.days}d`;
const baseUrl = options['database-url'];
const D = options.devices;
const log = (...parts) => console.log(`[seed ${new Date().toISOString().slice(11, 19)}]`, ...parts);
const started = performance.now();

// The window: `days` × 1,440 whole minutes ending at the current minute (exclusive).
const endMs = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS;
const minutes = options.days * 1440;
const startMs = endMs - minutes * MINUTE_MS;
const rowsPerStream = D * minutes;
const registerPercent = Math.round(options.register * 100);
/** Meter d reports a register: about `register` of the meters, spread over depot and 1:1 ones. */
const IS_REGISTER = `((d * 7) % 100 < ${registerPercent})`;

// Disk: refuse what would fill the disk PostgreSQL writes to.
await withAdmin(baseUrl, async (admin) => {
  const { rows } = await admin.query(`SELECT current_setting('data_directory') AS dir`);
  let free;
  for (const dir of [rows[0].dir, '/']) {
    try {
      const fs = statfsSync(dir);
      free = fs.bavail * fs.bsize;
      break;
    } catch {
      // not readable by this user: try the root file system
    }
  }
  const needed = rowsPerStream * 2 * BYTES_PER_ROW;
  log(
    `${dbName}: ${D} meters + ${D} vehicles × ${minutes} minutes = ${(rowsPerStream / 1e6).toFixed(1)} M rows a stream, ~${(needed / 2 ** 30).toFixed(1)} GiB; free ${free ? (free / 2 ** 30).toFixed(0) : '?'} GiB`,
  );
  if (free !== undefined && needed > 0.8 * free && !options.force) {
    throw new Error(
      `Not enough disk: ~${(needed / 2 ** 30).toFixed(1)} GiB needed, ${(free / 2 ** 30).toFixed(1)} GiB free (--force to try anyway)`,
    );
  }
});

// An empty database, migrated by the service itself (which also creates the day partitions around today).
const databaseUrl = await recreateDatabase(baseUrl, dbName);
const runDir = join(CACHE, `seed-${process.pid}`);
cpSync(resolve(ROOT, options.dist), join(runDir, 'dist'), { recursive: true });
try {
  log('migrating (starting the built service once)');
  const server = await startProcess({
    name: 'service (migrations)',
    script: join(runDir, 'dist', 'src', 'main.js'),
    env: {
      DATABASE_URL: databaseUrl,
      HOST: '127.0.0.1',
      NODE_ENV: 'development',
      PARTITION_DAYS_BEHIND: String(options.days + 1),
      RATE_LIMIT_PER_MINUTE: '0',
    },
    port: options.port,
    logFile: join(CACHE, 'logs', `seed-${dbName}.log`),
    maxLifetimeS: 600,
  });
  await server.stop();
} finally {
  rmSync(runDir, { recursive: true, force: true });
}

const clients = await Promise.all(
  Array.from({ length: options.jobs }, () => connect(databaseUrl, 'energy-bench-seed')),
);
const [db] = clients;
try {
  // Partitions for every UTC day of the window (the service made those around today; this makes sure).
  for (let day = Math.floor(startMs / 86_400_000); day * 86_400_000 < endMs; day += 1) {
    const date = new Date(day * 86_400_000).toISOString().slice(0, 10);
    for (const table of ['meter_telemetry', 'vehicle_telemetry']) {
      await db.query('SELECT ensure_telemetry_partition($1::regclass, $2::date)', [table, date]);
    }
  }

  // Links: vehicles 1…share·D three to a depot meter (the meter of the group's first vehicle; the other
  // two meters stay unlinked, their draw unattributed), the rest 1:1; then `repoints` vehicles move to
  // their neighbour's meter at a mid-hour instant inside the window (link periods, when the schema has them).
  const shared = Math.floor(options.share * D);
  // Register meters, registered before their readings (so all of them are in that mode).
  if (registerPercent > 0) {
    for (const sql of [
      `INSERT INTO devices (kind, device_id, energy_mode) SELECT 'meter', 'M-' || lpad(d::text, 5, '0'), 'register'
       FROM generate_series(1, $1::int) AS d WHERE ${IS_REGISTER}`,
      `INSERT INTO device_modes (kind, device_id, effective_from, energy_mode)
       SELECT 'meter', 'M-' || lpad(d::text, 5, '0'), '-infinity', 'register' FROM generate_series(1, $1::int) AS d
       WHERE ${IS_REGISTER}`,
    ]) {
      await db.query(sql, [D]);
    }
  }
  const { rows: schema } = await db.query(`SELECT to_regclass('link_periods') IS NOT NULL AS periods`);
  const meterOf = `'M-' || lpad((CASE WHEN d <= $2::int THEN d - (d - 1) % 3 ELSE d END)::text, 5, '0')`;
  if (schema[0].periods) {
    await db.query(
      `INSERT INTO link_periods (vehicle_id, valid_from, meter_id)
       SELECT 'V-' || lpad(d::text, 5, '0'), '-infinity', ${meterOf} FROM generate_series(1, $1::int) AS d`,
      [D, shared],
    );
    if (options.repoints > 0) {
      const step = Math.max(1, Math.floor(D / options.repoints));
      const repoint = `SELECT 'V-' || lpad(d::text, 5, '0') AS vehicle_id,
          $3::timestamptz + ((d * 7919) % ($4::int - 60) + 17) * interval '1 minute' + interval '23 seconds' AS at,
          'M-' || lpad((d % $1::int + 1 + 0 * $2::int)::text, 5, '0') AS meter_id
        FROM generate_series(1, $1::int, $5::int) AS d`;
      await db.query(
        `WITH moved AS (${repoint})
         UPDATE link_periods p SET valid_to = moved.at FROM moved WHERE p.vehicle_id = moved.vehicle_id`,
        [D, shared, new Date(startMs), minutes, step],
      );
      await db.query(
        `INSERT INTO link_periods (vehicle_id, valid_from, meter_id) SELECT vehicle_id, at, meter_id FROM (${repoint}) moved`,
        [D, shared, new Date(startMs), minutes, step],
      );
    }
  } else {
    await db.query(
      `INSERT INTO fleet_links (vehicle_id, meter_id) SELECT 'V-' || lpad(d::text, 5, '0'), ${meterOf} FROM generate_series(1, $1::int) AS d`,
      [D, shared],
    );
  }

  // One task per stream and UTC day: minutes [from, to) of the window.
  const tasks = [];
  for (let from = 0; from < minutes;) {
    const dayEnd = (Math.floor((startMs + from * MINUTE_MS) / 86_400_000) + 1) * 86_400_000;
    const to = Math.min(minutes, (dayEnd - startMs) / MINUTE_MS);
    tasks.push({ stream: 'meter', from, to }, { stream: 'vehicle', from, to });
    from = to;
  }
  // The inner series refers to the outer one (`+ 0 * m`) so that the planner keeps the loop order.
  const loops =
    options.layout === 'arrival'
      ? 'generate_series($2::int, $3::int - 1) AS m, LATERAL generate_series(1, $4::int + 0 * m) AS d'
      : 'generate_series(1, $4::int) AS d, LATERAL generate_series($2::int, $3::int - 1 + 0 * d) AS m';
  const energy = (modulo) => `round((((d::int8 * 7919 + m::int8 * 104729) % ${modulo}) + 1) / 1000.0, 3)`;
  // A depot meter feeds three vehicles: it draws three times as much; its group's other two meters only standby.
  const depotFactor = `(CASE WHEN d > $5::int THEN 1 WHEN (d - 1) % 3 = 0 THEN 3 ELSE 0.02 END)`;
  // A register meter draws the same each minute (its register: 1000 kWh at the window's start, counting up);
  // stored as the write path stores it: the step counted, the register as sent, the first reading a baseline.
  const registerStep = `(round((((d::int8 * 7919) % 1000) + 1) / 1000.0, 3) * ${depotFactor})`;
  const SELECT = {
    meter: `SELECT 'M-' || lpad(d::text, 5, '0'), $1::timestamptz + m * interval '1 minute',
             CASE WHEN NOT ${IS_REGISTER} THEN ${energy(1000)} * ${depotFactor} WHEN m = 0 THEN 0 ELSE ${registerStep} END,
             CASE WHEN ${IS_REGISTER} THEN 1000 + m * ${registerStep} END,
             CASE WHEN ${IS_REGISTER} AND m = 0 THEN 'baseline' END,
             230 + d % 10, $1::timestamptz + m * interval '1 minute' + interval '2 seconds'
      FROM ${loops}`,
    vehicle: `SELECT 'V-' || lpad(d::text, 5, '0'), $1::timestamptz + m * interval '1 minute', 10 + m % 80, ${energy(900)},
             20 + d % 15 + 0 * $5::int, $1::timestamptz + m * interval '1 minute' + interval '2 seconds'
      FROM ${loops}`,
  };
  const HISTORY = {
    meter: `INSERT INTO meter_telemetry (meter_id, ts, kwh_consumed_ac, reported_kwh, quality_reason, voltage, received_at)
      ${SELECT.meter}`,
    vehicle: `INSERT INTO vehicle_telemetry (vehicle_id, ts, soc, kwh_delivered_dc, battery_temp, received_at) ${SELECT.vehicle}`,
  };
  const LIVE = {
    meter: `INSERT INTO meter_live_status (meter_id, ts, kwh_consumed_ac, voltage, received_at)
      SELECT meter_id, ts, coalesce(reported, kwh), voltage, received_at
      FROM (${SELECT.meter}) AS sent(meter_id, ts, kwh, reported, reason, voltage, received_at)`,
    vehicle: `INSERT INTO vehicle_live_status (vehicle_id, ts, soc, kwh_delivered_dc, battery_temp, received_at) ${SELECT.vehicle}`,
  };
  const start = new Date(startMs);
  log(`inserting ${tasks.length} day slices, ${options.jobs} at a time, ${options.layout} order`);
  const insertStarted = performance.now();
  let done = 0;
  await Promise.all(
    clients.map(async (client) => {
      while (tasks.length > 0) {
        const task = tasks.shift();
        const t0 = performance.now();
        const result = await client.query(HISTORY[task.stream], [start, task.from, task.to, D, shared]);
        done += result.rowCount;
        const s = (performance.now() - t0) / 1000;
        log(
          `  ${task.stream} ${new Date(startMs + task.from * MINUTE_MS).toISOString().slice(0, 16)}…: ${(result.rowCount / 1e6).toFixed(2)} M rows in ${s.toFixed(0)} s ` +
            `(${Math.round(result.rowCount / s / 1000)} k rows/s); ${((100 * done) / (2 * rowsPerStream)).toFixed(0)} % done`,
        );
      }
    }),
  );
  const insertSeconds = (performance.now() - insertStarted) / 1000;

  // Live rows: each device's newest reading (the window's last minute), the same values as in history.
  for (const stream of ['meter', 'vehicle']) await db.query(LIVE[stream], [start, minutes - 1, minutes, D, shared]);

  // Hourly roll-ups (migration hourly-rollups), if this schema has them: the same aggregation as its backfill.
  const ROLLUPS = {
    meter_hourly: `INSERT INTO meter_hourly (meter_id, hour, kwh, readings)
      SELECT meter_id, date_trunc('hour', ts, 'UTC'), sum(kwh_consumed_ac), count(*)::int FROM meter_telemetry GROUP BY 1, 2`,
    vehicle_hourly: `INSERT INTO vehicle_hourly (vehicle_id, hour, kwh, battery_temp_sum, readings)
      SELECT vehicle_id, date_trunc('hour', ts, 'UTC'), sum(kwh_delivered_dc), sum(battery_temp), count(*)::int
      FROM vehicle_telemetry GROUP BY 1, 2`,
  };
  const present = [];
  for (const table of Object.keys(ROLLUPS)) {
    const { rows } = await db.query('SELECT to_regclass($1) IS NOT NULL AS present', [table]);
    if (rows[0].present) present.push(table);
  }
  if (present.length > 0) {
    log(`filling roll-ups: ${present.join(', ')}`);
    await Promise.all(
      present.map(async (table, i) => {
        const client = clients[i % clients.length];
        await client.query(`SET work_mem = '256MB'`); // this session only: the aggregation stays in memory
        await client.query(ROLLUPS[table]);
        await client.query('RESET work_mem');
      }),
    );
  }

  // Hint bits, visibility map and statistics, so that reads in the benchmark do not write.
  log('VACUUM (ANALYZE)');
  const vacuumStarted = performance.now();
  await Promise.all(
    ['meter_telemetry', 'vehicle_telemetry'].map((table, i) =>
      clients[i % clients.length].query(`VACUUM (ANALYZE) ${table}`),
    ),
  );
  await db.query(
    `VACUUM (ANALYZE) ${[schema[0].periods ? 'link_periods' : 'fleet_links', 'meter_live_status', 'vehicle_live_status', ...present].join(', ')}`,
  );
  const vacuumSeconds = (performance.now() - vacuumStarted) / 1000;

  const { rows } = await db.query(
    `SELECT (SELECT count(*) FROM meter_telemetry)::int8::text AS meters,
            (SELECT count(*) FROM vehicle_telemetry)::int8::text AS vehicles,
            (SELECT count(*)::int FROM devices WHERE kind = 'meter' AND energy_mode = 'register') AS registers,
            pg_size_pretty(pg_database_size(current_database())) AS size`,
  );
  if (Number(rows[0].meters) !== rowsPerStream || Number(rows[0].vehicles) !== rowsPerStream) {
    throw new Error(`Row counts ${rows[0].meters}/${rows[0].vehicles}, expected ${rowsPerStream} each`);
  }
  const seconds = (performance.now() - started) / 1000;
  await writeSeedInfo(baseUrl, dbName, {
    seededAt: new Date(endMs).toISOString(),
    from: new Date(startMs).toISOString(),
    days: options.days,
    devices: D,
    layout: options.layout,
    rowsPerStream,
    seconds,
    insertSeconds,
    vacuumSeconds,
    rollups: present,
    sharedVehicles: shared,
    registerMeters: rows[0].registers,
    repoints: schema[0].periods ? options.repoints : 0,
  });
  log(
    `${dbName}: ${(rowsPerStream / 1e6).toFixed(1)} M rows a stream in ${Math.round(seconds)} s ` +
      `(inserts ${Math.round(insertSeconds)} s, ${Math.round((2 * rowsPerStream) / insertSeconds / 1000)} k rows/s; vacuum ${Math.round(vacuumSeconds)} s), database ${rows[0].size}`,
  );
} finally {
  await Promise.all(clients.map((c) => c.end()));
}
process.exit(0);
