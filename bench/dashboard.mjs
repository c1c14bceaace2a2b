/**
 * How long the dashboard's fleet view takes to show a page of a full fleet day, in headless
 * Chromium against the built server: from navigation to the table drawn (body[data-ready=true]).
 * Only reads: the server's connections are read-only (default_transaction_read_only), so a seeded
 * database is never written (partition upkeep fails harmlessly and is logged).
 *
 *   npm run build && DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_history_1d node bench/dashboard.mjs
 */
import { chromium } from 'playwright-core';
import { startService } from '../test/lib/service-process.mjs';

const url = process.env.DATABASE_URL;
if (!url) throw new Error('DATABASE_URL (a seeded database, e.g. bench_history_1d) is required');
const readOnly = `${url}${url.includes('?') ? '&' : '?'}options=${encodeURIComponent('-c default_transaction_read_only=on')}`;
const runs = Number(process.env.RUNS ?? 3);

const service = await startService('dashboard-bench', 'dist/src/main.js', {
  cwd: process.cwd(),
  databaseUrl: readOnly,
  env: { MIGRATIONS_RUN_ON_BOOT: 'false', PARTITION_MAINTENANCE_INTERVAL_MS: '86400000' },
});
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-quic',
    '--no-first-run',
  ],
});
try {
  for (const limit of [100, 1000]) {
    const times = [];
    let shown = '';
    for (let run = 0; run < runs; run += 1) {
      const page = await browser.newPage();
      const started = performance.now();
      await page.goto(`${service.url}/dashboard/#/fleet?limit=${limit}`);
      await page.waitForSelector('body[data-ready="true"]', { timeout: 120_000 });
      times.push(performance.now() - started);
      const rows = await page.locator('#fleet-rows tbody tr').count();
      shown = `${rows} rows of ${await page.locator('[data-figure="total"] .value').innerText()} vehicles`;
      await page.close();
    }
    const api = performance.now();
    const res = await fetch(`${service.url}/v1/analytics/fleet?limit=${limit}`);
    await res.json();
    const apiMs = performance.now() - api;
    times.sort((a, b) => a - b);
    console.log(
      `fleet view, page of ${limit}: ${shown}; shown in ${times.map((t) => t.toFixed(0)).join(' / ')} ms ` +
        `(median ${times[Math.floor(times.length / 2)].toFixed(0)} ms); the API alone ${apiMs.toFixed(0)} ms`,
    );
  }
  const csv = performance.now();
  const res = await fetch(`${service.url}/v1/analytics/fleet?format=csv&limit=100000`);
  const text = await res.text();
  console.log(
    `CSV of the whole fleet: ${text.split('\n').length - 2} rows, ${(text.length / 1e6).toFixed(1)} MB in ${(performance.now() - csv).toFixed(0)} ms`,
  );
} finally {
  await browser.close();
  await service.stop();
}
