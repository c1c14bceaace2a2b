/**
 * How long the dashboard's fleet view takes to show a page of a full fleet day (10,000 vehicles on
 * bench_history_1d), in headless Chromium: from navigation to the table drawn (body[data-ready]).
 *
 * The seeded database is only read. The service's start-up writes (the migrations table check,
 * partition upkeep), so it is not pointed at the seeded database: a built server on a scratch
 * database serves the page, and the page's fleet requests are answered through Playwright's
 * routing by the service's own fleet statement (dist/src/analytics/fleet.sql.js, same parameters
 * and mapping as AnalyticsService.fleet) on a read-only connection (default_transaction_read_only).
 * The figure is statement + transfer + drawing; the service's own overhead per request (validation,
 * serialisation) is not in it.
 *
 *   npm run build && BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_history_1d node bench/dashboard.mjs
 */
import pg from 'pg';
import { attributionParams } from '../dist/src/analytics/attribution.sql.js';
import { FLEET_PERFORMANCE } from '../dist/src/analytics/fleet.sql.js';
import { attributionWindow, hourlyWindow } from '../dist/src/analytics/report-window.js';
import { adminQuery, startService, withDatabase } from '../test/lib/service-process.mjs';
import { launchChromium } from '../test/lib/chromium.mjs';

const seeded = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/bench_history_1d';
const runs = Number(process.env.RUNS ?? 3);
const readOnly = new pg.Client({ connectionString: seeded, options: '-c default_transaction_read_only=on -c jit=off' }); // jit off as the service's pool
await readOnly.connect();

const sqlTimes = [];
async function fleet(url) {
  const q = Object.fromEntries(new URL(url).searchParams);
  const window = hourlyWindow(q, new Date());
  const limit = Number(q.limit ?? 100);
  const offset = Number(q.offset ?? 0);
  const started = performance.now();
  const { rows } = await readOnly.query(FLEET_PERFORMANCE, [
    ...attributionParams(attributionWindow(window)),
    0.85,
    limit,
    offset,
    60,
    0.5,
    q.status ?? null,
    q.meterId ?? null,
    window.from,
    [],
    [],
  ]);
  sqlTimes.push(performance.now() - started);
  const first = rows[0];
  const items = rows
    .filter((r) => r.vehicle_id !== null)
    .map((r) => ({
      vehicleId: r.vehicle_id,
      meterId: r.meter_id,
      acKwh: r.ac_kwh,
      dcKwh: r.dc_kwh,
      unlinkedDcKwh: r.unlinked_dc_kwh,
      efficiency: r.efficiency,
      avgBatteryTemp: r.avg_battery_temp,
      meterReadings: r.meter_readings,
      vehicleReadings: r.vehicle_readings,
      coverage: r.coverage,
      status: r.status,
      belowThreshold: r.status === 'below_threshold',
    }));
  return {
    from: window.from.toISOString(),
    to: window.to.toISOString(),
    threshold: 0.85,
    total: first.total,
    totalBelowThreshold: first.total_below,
    totalInsufficientData: first.total_insufficient,
    matching: first.matching,
    limit,
    offset,
    nextOffset: offset + items.length < first.matching ? offset + limit : null,
    items,
  };
}

const server = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const scratch = `dashboard_bench_${process.pid}`;
await adminQuery(server, `CREATE DATABASE ${scratch}`);
try {
  const service = await startService('dashboard-bench', 'dist/src/main.js', {
    cwd: process.cwd(),
    databaseUrl: withDatabase(server, scratch),
  });
  const browser = await launchChromium();
  for (const limit of [100, 1000]) {
    const times = [];
    let shown = '';
    sqlTimes.length = 0;
    for (let run = 0; run < runs; run += 1) {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await page.route('**/v1/analytics/fleet*', async (route) =>
        route.fulfill({
          status: 200,
          contentType: 'application/json',
          body: JSON.stringify(await fleet(route.request().url())),
        }),
      );
      const started = performance.now();
      await page.goto(`${service.url}/dashboard/#/fleet?limit=${limit}`);
      await page.waitForSelector('body[data-ready="true"]', { timeout: 120_000 });
      times.push(performance.now() - started);
      shown = `${await page.locator('#fleet-rows tbody tr').count()} rows of ${await page.locator('[data-figure="total"] .value').innerText()} vehicles`;
      await page.close();
    }
    const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)].toFixed(0);
    console.log(
      `fleet view, page of ${limit}: ${shown}; shown in ${times.map((t) => t.toFixed(0)).join(' / ')} ms (median ${median(times)} ms), ` +
        `of which the fleet statement ${sqlTimes.map((t) => t.toFixed(0)).join(' / ')} ms`,
    );
  }
  await browser.close();
  await service.stop();
} finally {
  await readOnly.end();
  await adminQuery(server, `DROP DATABASE IF EXISTS ${scratch} WITH (FORCE)`);
}
