/**
 * The README's dashboard screenshots (docs/dashboard-*.png), regenerated: the built server on a
 * scratch database (created on DATABASE_URL's server and dropped at the end; default
 * postgres://postgres@127.0.0.1:5432), a small demo fleet sent through the API (hourly readings of
 * the last 24 h, a depot meter shared by three vehicles, a faulty charger, a silent one), then each
 * view in headless Chromium. Run with `npm run screenshots` (it builds first).
 */
import { adminQuery, startService, withDatabase } from '../test/lib/service-process.mjs';
import { launchChromium } from '../test/lib/chromium.mjs';

const server = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const scratch = `screenshots_${process.pid}`;
await adminQuery(server, `CREATE DATABASE ${scratch}`);
const HOUR = 3_600_000;

try {
  const service = await startService('screenshots', 'dist/src/main.js', {
    cwd: process.cwd(),
    databaseUrl: withDatabase(server, scratch),
    env: { READING_INTERVAL_SECONDS: '300' }, // the demo fleet reports every 5 minutes
  });
  const post = async (path, body) => {
    const res = await fetch(`${service.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  };
  const fleet = [];
  for (let i = 1; i <= 24; i += 1) fleet.push({ vehicleId: `ev-${String(i).padStart(3, '0')}`, meterId: `meter-${i}` });
  for (const vehicleId of ['ev-101', 'ev-102', 'ev-103']) fleet.push({ vehicleId, meterId: 'depot-1' });
  for (const link of fleet) await post('/v1/links', link);
  const now = Date.now();
  const start = Math.floor(now / HOUR) * HOUR - 23 * HOUR;
  const readings = [];
  let seed = 7;
  const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  for (let h = 0; h < 24; h += 1) {
    const charging = (hour) => Math.max(0, Math.sin(((hour - 2) / 24) * 2 * Math.PI)) + 0.15;
    for (let m = 0; m < 60; m += 5) {
      const ts = new Date(start + h * HOUR + m * 60_000);
      if (ts.getTime() > now - 60_000) continue;
      const timestamp = ts.toISOString();
      for (const [index, { vehicleId, meterId }] of fleet.slice(0, 24).entries()) {
        if (index === 23 && h > 14) continue; // a charger that went silent
        const ac = 0.4 * charging(h + index / 6) * (0.8 + 0.4 * random());
        const efficiency = index === 4 ? 0.71 : index === 9 ? 0.8 : 0.86 + 0.1 * random();
        readings.push({ meterId, kwhConsumedAc: ac, voltage: 229 + 2 * random(), timestamp });
        readings.push({
          vehicleId,
          soc: 20 + h * 3,
          kwhDeliveredDc: ac * efficiency,
          batteryTemp: 24 + 8 * random(),
          timestamp,
        });
      }
      const depotDc = [0.5, 0.3, h % 6 === 0 ? 0 : 0.2].map((d) => d * charging(h) * (0.9 + 0.2 * random()));
      readings.push({
        meterId: 'depot-1',
        kwhConsumedAc: (depotDc[0] + depotDc[1] + depotDc[2]) / 0.9 + 0.02,
        voltage: 231,
        timestamp,
      });
      ['ev-101', 'ev-102', 'ev-103'].forEach((vehicleId, i) =>
        readings.push({ vehicleId, soc: 30 + h * 2, kwhDeliveredDc: depotDc[i], batteryTemp: 26 + i, timestamp }),
      );
    }
  }
  // Two readings the service stores but flags suspect (and counts nowhere): the vehicle view lists them.
  const suspectAt = (hoursBack) => new Date(start + (23 - hoursBack) * HOUR + 2 * 60_000).toISOString();
  readings.push(
    { vehicleId: 'ev-005', soc: 60, kwhDeliveredDc: 0.3, batteryTemp: 131.5, timestamp: suspectAt(6) },
    { meterId: 'meter-5', kwhConsumedAc: 250, voltage: 230, timestamp: suspectAt(3) },
  );
  for (let i = 0; i < readings.length; i += 5000) await post('/v1/telemetry', readings.slice(i, i + 5000));

  const browser = await launchChromium();
  const page = await browser.newPage({
    viewport: { width: 1280, height: 860 },
    locale: 'en-GB',
    timezoneId: 'Europe/Berlin',
  });
  const shot = async (hash, file) => {
    await page.goto('about:blank'); // a hash-only goto would find the previous view still ready
    await page.goto(`${service.url}/dashboard/${hash}`);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
    await page.waitForTimeout(300);
    await page.screenshot({ path: `docs/${file}`, fullPage: false });
    console.log(`docs/${file}`);
  };
  await shot('#/fleet', 'dashboard-fleet.png');
  const [from, to] = (await page.locator('[data-figure="window"]').getAttribute('data-value')).split('/');
  await shot(`#/vehicle/ev-005?from=${from}&to=${to}&bucket=1h`, 'dashboard-vehicle.png');
  await shot(`#/meter/depot-1?from=${from}&to=${to}&bucket=1h`, 'dashboard-meter.png');
  await shot('#/live?staleMinutes=30', 'dashboard-live.png');
  await browser.close();
  await service.stop();
} finally {
  await adminQuery(server, `DROP DATABASE IF EXISTS ${scratch} WITH (FORCE)`);
}
