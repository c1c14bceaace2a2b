/// <reference lib="dom" />
import { parse } from 'csv-parse/sync';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import type { Download, Page } from 'playwright-core';
import request from 'supertest';
import { hashApiKey } from '../../src/auth/api-keys.ts';
import { meterReading, vehicleReading } from '../builders/readings.builder.ts';
import { createTestApp, type TestApp } from '../setup/test-app.ts';
import { ingest, link, postTelemetry } from '../support/api.ts';
import { type HeadlessChromium, launchChromium } from '../support/browser.ts';

/**
 * The operator page (/dashboard/, built by global setup from dashboard/) in headless Chromium, on
 * a small seeded fleet, with API keys off and on. The browser runs in Asia/Tokyo and en-US, so
 * what it shows can be compared with figures formatted here; the API's own answers are the reference.
 *
 * The fleet, in the last few whole hours (MIN_COVERAGE=0: a handful of readings is judged):
 *   v-a on m-a: AC 10, DC 9 → 90 % (ok); v-b on m-b: AC 10, DC 7 → 70 % (below);
 *   v-c and v-d share depot m-depot: hour 1 AC 10 split by DC 6 : 2 → 7.5 / 2.5; hour 2 AC 2 with
 *   no DC (idle) split equally → c AC 8.5, DC 6 (70.6 %), d AC 3.5, DC 2 (57.1 %);
 *   v-e on m-e: AC 5, no DC → insufficient data.
 * Two suspect readings change none of these figures: v-c's at 130 °C and m-depot's at 2,000 V.
 * Worst first: v-d, v-b, v-c, v-a, then v-e.
 */

const HOUR = 3_600_000;
const ZONE = 'Asia/Tokyo';
const ORDER = ['v-d', 'v-b', 'v-c', 'v-a', 'v-e'];

async function seed(t: TestApp, prefix: string): Promise<void> {
  const id = (name: string): string => `${prefix}${name}`;
  const hourStart = Math.floor(Date.now() / HOUR) * HOUR;
  const at = (hoursBack: number, minute = 10): string =>
    new Date(hourStart - hoursBack * HOUR + minute * 60_000).toISOString();
  for (const [vehicle, meter] of [
    ['v-a', 'm-a'],
    ['v-b', 'm-b'],
    ['v-c', 'm-depot'],
    ['v-d', 'm-depot'],
    ['v-e', 'm-e'],
  ] as const) {
    await link(t, id(vehicle), id(meter));
  }
  await ingest(t, [
    meterReading(id('m-a'), at(3), 10),
    vehicleReading(id('v-a'), at(3), 9, 30),
    meterReading(id('m-b'), at(4), 10),
    vehicleReading(id('v-b'), at(4), 7, 32),
    meterReading(id('m-depot'), at(2), 10),
    vehicleReading(id('v-c'), at(2, 20), 6, 28),
    vehicleReading(id('v-d'), at(2, 30), 2, 27),
    meterReading(id('m-depot'), at(1), 2),
    meterReading(id('m-e'), at(5), 5),
  ]);
  expect(
    await postTelemetry(t, [
      vehicleReading(id('v-c'), at(2, 40), 5, 130),
      meterReading(id('m-depot'), at(2, 50), 3, 2000),
    ]),
  ).toEqual({ accepted: 2, duplicates: 0, suspect: 2, conflicts: 0 });
}

async function serve(env: Record<string, string> = {}): Promise<{ t: TestApp; base: string }> {
  const t = await createTestApp({ env: { MIN_COVERAGE: '0', RATE_LIMIT_PER_MINUTE: '0', ...env } });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  return { t, base: `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}` };
}

/** Opens a view and waits until it has shown its answer (the page sets data-ready). */
async function open(page: Page, url: string): Promise<void> {
  // A goto that changes only the hash is a same-document navigation: the old view would still say
  // ready, and the test would act on it. Leaving the page first makes every open a fresh load.
  await page.goto('about:blank');
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
}

async function ready(page: Page): Promise<void> {
  await page.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
}

function figureText(page: Page, name: string): Promise<string> {
  return page.locator(`[data-figure="${name}"] .value`).innerText();
}

async function csvOf(download: Download): Promise<Array<Record<string, string>>> {
  return parse<Record<string, string>>(await readFile(await download.path(), 'utf8'), { columns: true });
}

/** A JSON value as the CSV writes it: numbers in full, null empty. */
const field = (value: unknown): string =>
  value === null || value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : `${value as string}`;

const en = (options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat =>
  new Intl.DateTimeFormat('en-US', { timeZone: ZONE, ...options });

describe('the dashboard with API keys off', () => {
  let t: TestApp;
  let base: string;
  let chromium: HeadlessChromium;
  let page: Page;
  const failures: string[] = [];
  const P = 'd1-';

  beforeAll(async () => {
    ({ t, base } = await serve());
    await seed(t, P);
    chromium = await launchChromium({ timezoneId: ZONE, locale: 'en-US', viewport: { width: 1280, height: 900 } });
    page = await chromium.context.newPage();
    page.on('pageerror', (error) => failures.push(`page error: ${error.message}`));
    page.on('requestfailed', (r) => failures.push(`${r.url()}: ${r.failure()?.errorText}`));
  });

  afterAll(async () => {
    await chromium?.close();
    await t?.close();
  });

  afterEach(() => {
    expect(failures).toEqual([]);
  });

  async function fleetJson(from: string, to: string): Promise<any> {
    return (await request(t.server).get('/v1/analytics/fleet').query({ from, to }).expect(200)).body;
  }

  it('/dashboard redirects to the page, which ships its assets itself (no other host)', async () => {
    const res = await request(t.server).get('/dashboard').expect(301);
    expect(res.headers.location).toBe('/dashboard/');
    const external: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(base) && !r.url().startsWith('blob:') && !r.url().startsWith('data:')) {
        external.push(r.url());
      }
    });
    await open(page, `${base}/dashboard`);
    expect(page.url()).toBe(`${base}/dashboard/`);
    expect(external).toEqual([]);
  });

  it('lists the fleet worst efficiency first, insufficient data last, with status, threshold and local times', async () => {
    await open(page, `${base}/dashboard/#/fleet`);
    const ids = await page
      .locator('#fleet-rows tbody tr')
      .evaluateAll((rows) => rows.map((row) => (row as HTMLElement).dataset.vehicleId));
    expect(ids).toEqual(ORDER.map((id) => P + id));
    const statuses = await page.locator('#fleet-rows tbody [data-col="status"]').allInnerTexts();
    expect(statuses).toEqual(['below threshold', 'below threshold', 'below threshold', 'ok', 'insufficient data']);
    const efficiencies = await page.locator('#fleet-rows tbody [data-col="efficiency"]').allInnerTexts();
    expect(efficiencies).toEqual(['57.1 %', '70.0 %', '70.6 %', '90.0 %', '0.0 %']); // v-e: AC, no DC
    expect(await page.locator('#fleet-rows tbody [data-col="acKwh"]').allInnerTexts()).toEqual([
      '3.50 kWh',
      '10.0 kWh',
      '8.50 kWh',
      '10.0 kWh',
      '5.00 kWh',
    ]);
    expect(await figureText(page, 'threshold')).toBe('85.0 %');
    expect(await figureText(page, 'total')).toBe('5');
    expect(await figureText(page, 'totalBelowThreshold')).toBe('3');

    // The window the page asked for is the last 24 whole hours, shown in the browser's zone.
    const [from, to] = (await page.locator('[data-figure="window"]').getAttribute('data-value'))!.split('/') as [
      string,
      string,
    ];
    expect(Date.parse(to) - Date.parse(from)).toBe(24 * HOUR);
    expect(Date.parse(to)).toBe(Math.ceil(Date.now() / HOUR) * HOUR);
    expect(await figureText(page, 'window')).toContain(
      en({ dateStyle: 'medium', timeStyle: 'short' }).format(new Date(from)),
    );
    expect(await page.locator('#zone').innerText()).toBe(`times in ${ZONE}`);

    const json = await fleetJson(from, to);
    expect(json.items.map((item: { vehicleId: string }) => item.vehicleId)).toEqual(ids);
  });

  it('filters by status and by meter', async () => {
    await open(page, `${base}/dashboard/#/fleet`);
    await page.selectOption('#fleet-status', 'ok');
    await ready(page);
    await page.waitForFunction(() => document.querySelectorAll('#fleet-rows tbody tr').length === 1);
    expect(await page.locator('#fleet-rows tbody tr').getAttribute('data-vehicle-id')).toBe(`${P}v-a`);
    expect(await figureText(page, 'matching')).toBe('1');

    await open(page, `${base}/dashboard/#/fleet`);
    await page.fill('#fleet-meter', `${P}m-depot`);
    await page.press('#fleet-meter', 'Enter');
    await page.waitForFunction(() => location.hash.includes('meterId='));
    await ready(page);
    const ids = await page
      .locator('#fleet-rows tbody tr')
      .evaluateAll((rows) => rows.map((row) => (row as HTMLElement).dataset.vehicleId));
    expect(ids).toEqual([`${P}v-d`, `${P}v-c`]);
  });

  it('a click on a vehicle shows its chart per hour and the totals the API gives', async () => {
    await open(page, `${base}/dashboard/#/fleet`);
    await page.locator(`#fleet-rows tr[data-vehicle-id="${P}v-c"] td[data-col="status"]`).click();
    await page.waitForFunction(() => location.hash.startsWith('#/vehicle/'));
    await ready(page);
    await page.locator('#vehicle-chart canvas').waitFor();

    expect(await page.locator('#vehicle-id').innerText()).toBe(`${P}v-c`);
    expect(await figureText(page, 'acKwh')).toBe('8.50 kWh');
    expect(await figureText(page, 'dcKwh')).toBe('6.00 kWh');
    expect(await figureText(page, 'efficiency')).toBe('70.6 %');
    expect(await page.locator('[data-figure="status"] .status').innerText()).toBe('below threshold');
    expect(await page.locator('#vehicle-meters tbody tr').getAttribute('data-meter-id')).toBe(`${P}m-depot`);

    const params = new URLSearchParams(page.url().split('?')[1]);
    const api = (
      await request(t.server)
        .get(`/v1/analytics/performance/${P}v-c`)
        .query({ from: params.get('from')!, to: params.get('to')!, bucket: '1h' })
        .expect(200)
    ).body;
    expect(api).toMatchObject({ acKwh: 8.5, dcKwh: 6, status: 'below_threshold' });
    expect(Number(await page.locator('[data-figure="acKwh"]').getAttribute('data-value'))).toBe(api.acKwh);
    // The chart draws every bucket of the window: 24 hours, summing to the totals.
    const bucketAc = await page
      .locator('#vehicle-buckets tbody tr td:nth-child(2)')
      .evaluateAll((cells) => cells.map((cell) => Number((cell as HTMLElement).dataset.value)));
    expect(bucketAc).toEqual(api.buckets.map((b: { acKwh: number }) => b.acKwh));
    expect(bucketAc).toHaveLength(24);
    expect(bucketAc.reduce((sum, v) => sum + v, 0)).toBeCloseTo(8.5, 9);
    expect(await page.locator('#vehicle-buckets tbody tr td:first-child').first().innerText()).toBe(
      en({ dateStyle: 'medium', timeStyle: 'short' }).format(new Date(params.get('from')!)),
    );

    await page.selectOption('#bucket', '15m');
    await ready(page);
    await page.waitForFunction(() => document.querySelectorAll('#vehicle-buckets tbody tr').length === 96);
  });

  it("the meter view shows the depot's AC, each vehicle's share and the idle AC", async () => {
    await open(page, `${base}/dashboard/#/fleet`);
    await page.locator(`#fleet-rows tr[data-vehicle-id="${P}v-c"] [data-col="meterId"] a`).click();
    await page.waitForFunction(() => location.hash.startsWith('#/meter/'));
    await ready(page);
    await page.locator('#meter-chart canvas').waitFor();

    expect(await page.locator('#meter-id').innerText()).toBe(`${P}m-depot`);
    expect(await figureText(page, 'acKwh')).toBe('12.0 kWh');
    expect(await figureText(page, 'dcKwh')).toBe('8.00 kWh');
    expect(await figureText(page, 'idleAcKwh')).toBe('2.00 kWh');
    expect(await figureText(page, 'unattributedAcKwh')).toBe('0.00 kWh');
    const shares = await page
      .locator('#meter-shares tbody tr')
      .evaluateAll((rows) =>
        rows.map((row) => [...row.querySelectorAll('td')].map((cell) => (cell as HTMLElement).innerText)),
      );
    expect(shares).toEqual([
      [`${P}v-c`, '8.50 kWh', '70.8 %', '6.00 kWh', '70.6 %'],
      [`${P}v-d`, '3.50 kWh', '29.2 %', '2.00 kWh', '57.1 %'],
      ['unattributed (no vehicle linked)', '0.00 kWh', '0.0 %', '', ''],
    ]);
  });

  it('every CSV download holds the same rows and numbers as the JSON answer', async () => {
    await open(page, `${base}/dashboard/#/fleet`);
    const [from, to] = (await page.locator('[data-figure="window"]').getAttribute('data-value'))!.split('/') as [
      string,
      string,
    ];
    const json = await fleetJson(from, to);
    for (const button of ['fleet-page', 'fleet-all']) {
      const [download] = await Promise.all([page.waitForEvent('download'), page.click(`[data-csv="${button}"]`)]);
      expect(download.suggestedFilename()).toMatch(/^fleet_.*\.csv$/);
      const rows = await csvOf(download);
      expect(rows).toEqual(
        json.items.map((item: Record<string, unknown>) =>
          Object.fromEntries(Object.entries({ from, to, ...item }).map(([k, v]) => [k, field(v)])),
        ),
      );
    }

    await open(page, `${base}/dashboard/#/vehicle/${P}v-c?from=${from}&to=${to}&bucket=1h`);
    const vehicle = (
      await request(t.server).get(`/v1/analytics/performance/${P}v-c`).query({ from, to, bucket: '1h' }).expect(200)
    ).body;
    const [vehicleCsv] = await Promise.all([page.waitForEvent('download'), page.click('[data-csv="vehicle"]')]);
    const vehicleRows = await csvOf(vehicleCsv);
    expect(vehicleRows.map((row) => row.kind)).toEqual(['total', 'meter', ...vehicle.buckets.map(() => 'bucket')]);
    expect(vehicleRows[0]).toMatchObject({
      acKwh: field(vehicle.acKwh),
      dcKwh: field(vehicle.dcKwh),
      efficiency: field(vehicle.efficiency),
    });
    expect(vehicleRows.slice(2).map((row) => [row.from, row.acKwh, row.dcKwh, row.efficiency])).toEqual(
      vehicle.buckets.map((b: Record<string, unknown>) => [
        b.from,
        field(b.acKwh),
        field(b.dcKwh),
        field(b.efficiency),
      ]),
    );

    await open(page, `${base}/dashboard/#/meter/${P}m-depot?from=${from}&to=${to}&bucket=1h`);
    const meter = (
      await request(t.server).get(`/v1/analytics/meters/${P}m-depot`).query({ from, to, bucket: '1h' }).expect(200)
    ).body;
    const [meterCsv] = await Promise.all([page.waitForEvent('download'), page.click('[data-csv="meter"]')]);
    const meterRows = await csvOf(meterCsv);
    expect(
      meterRows.filter((row) => row.kind === 'vehicle').map((row) => [row.vehicleId, row.acKwh, row.dcKwh]),
    ).toEqual(meter.vehicles.map((v: Record<string, unknown>) => [v.vehicleId, field(v.acKwh), field(v.dcKwh)]));
    expect(meterRows[0]).toMatchObject({ kind: 'total', acKwh: '12', idleAcKwh: '2', unattributedAcKwh: '0' });
  });

  it('the vehicle and meter views list the flagged readings with why, and download them and all readings as CSV', async () => {
    const to = new Date(Math.ceil(Date.now() / HOUR) * HOUR).toISOString();
    const window = { from: new Date(Date.parse(to) - 24 * HOUR).toISOString(), to };
    const windowQuery = `?from=${window.from}&to=${window.to}`;
    for (const [kind, id, sent] of [
      ['vehicle', `${P}v-c`, ['5.00 kWh', '50.0 %', '130.0 °C']],
      ['meter', `${P}m-depot`, ['3.00 kWh', '2000.0 V']],
    ] as const) {
      await open(page, `${base}/dashboard/#/${kind}/${id}${windowQuery}`);
      const readings = async (quality?: string): Promise<any> =>
        (
          await request(t.server)
            .get(`/v1/${kind}s/${id}/readings`)
            .query({ ...window, ...(quality ? { quality } : {}) })
            .expect(200)
        ).body;
      const flagged = await readings('flagged');
      expect(flagged.items).toHaveLength(1);
      const rows = await page
        .locator('#flagged-rows tbody tr')
        .evaluateAll((trs) =>
          trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => (td as HTMLElement).innerText)),
        );
      expect(rows).toEqual([
        [
          en({ dateStyle: 'medium', timeStyle: 'short' }).format(new Date(flagged.items[0].timestamp)),
          ...sent,
          '0.00 kWh',
          'suspect',
          kind === 'vehicle' ? 'battery_temp_out_of_range' : 'voltage_above_max',
        ],
      ]);

      const [flaggedCsv] = await Promise.all([page.waitForEvent('download'), page.click('[data-csv="flagged"]')]);
      expect(flaggedCsv.suggestedFilename()).toMatch(new RegExp(`^${kind}_${id}_readings_.*\\.csv$`));
      const asCsv = (item: Record<string, unknown>): Record<string, string> =>
        Object.fromEntries(Object.entries({ [`${kind}Id`]: id, ...item }).map(([k, v]) => [k, field(v)]));
      expect(await csvOf(flaggedCsv)).toEqual(flagged.items.map(asCsv));
      const all = await readings();
      expect(all.items.length).toBeGreaterThan(1);
      const [allCsv] = await Promise.all([page.waitForEvent('download'), page.click('[data-csv="readings"]')]);
      expect(await csvOf(allCsv)).toEqual(all.items.map(asCsv));
    }

    // A device with nothing flagged says so.
    await open(page, `${base}/dashboard/#/vehicle/${P}v-a`);
    expect(await page.locator('#flagged-readings .empty').innerText()).toBe('No flagged readings in this window.');
  });

  it('the live view lists the devices that went silent', async () => {
    await open(page, `${base}/dashboard/#/live?staleMinutes=30`);
    const silentMeters = await page.locator('#silent-meters tbody tr td:first-child').allInnerTexts();
    expect(silentMeters).toEqual(expect.arrayContaining([`${P}m-a`, `${P}m-b`, `${P}m-depot`, `${P}m-e`]));
    const silentVehicles = await page.locator('#silent-vehicles tbody tr td:first-child').allInnerTexts();
    expect(silentVehicles).toEqual(expect.arrayContaining([`${P}v-a`, `${P}v-b`, `${P}v-c`, `${P}v-d`]));
    expect(await page.locator('#live-meters tbody tr').count()).toBeGreaterThanOrEqual(4);
  });
});

describe('the dashboard with API keys on', () => {
  const OPERATOR_KEY = randomBytes(24).toString('base64url');
  const DEVICE_KEY = randomBytes(24).toString('base64url');
  let t: TestApp;
  let base: string;
  let chromium: HeadlessChromium;
  const P = 'd2-';

  beforeAll(async () => {
    ({ t, base } = await serve({
      API_KEYS: `operator:${hashApiKey(OPERATOR_KEY)},device:${hashApiKey(DEVICE_KEY)}`,
    }));
    const operator = { authorization: `Bearer ${OPERATOR_KEY}` };
    await request(t.server)
      .post('/v1/links')
      .set(operator)
      .send({ vehicleId: `${P}v-a`, meterId: `${P}m-a` })
      .expect(201);
    const hour = Math.floor(Date.now() / HOUR) * HOUR - 2 * HOUR;
    await request(t.server)
      .post('/v1/telemetry')
      .set('x-api-key', DEVICE_KEY)
      .send([
        meterReading(`${P}m-a`, new Date(hour).toISOString(), 4),
        vehicleReading(`${P}v-a`, new Date(hour).toISOString(), 3.6),
      ])
      .expect(201);
    chromium = await launchChromium({ timezoneId: ZONE, locale: 'en-US' });
  });

  afterAll(async () => {
    await chromium?.close();
    await t?.close();
  });

  it('asks for an operator key, keeps it in session storage and sends it as a header, never in a URL', async () => {
    const page = await chromium.context.newPage();
    const apiRequests: Array<{ url: string; authorization?: string }> = [];
    page.on('request', (r) => {
      if (r.url().includes('/v1/')) apiRequests.push({ url: r.url(), authorization: r.headers().authorization });
    });
    await page.goto(`${base}/dashboard/`);
    const dialog = page.locator('#key-dialog');
    await dialog.waitFor({ state: 'visible' });
    expect(await page.locator('#key-reason').innerText()).toContain('needs an operator API key');

    await page.fill('#key-input', 'not-a-key');
    await page.click('#key-form button[type="submit"]');
    await page.waitForFunction(() => document.getElementById('key-reason')!.textContent.includes('refused'));

    await page.fill('#key-input', DEVICE_KEY); // a key, but not an operator's
    await page.click('#key-form button[type="submit"]');
    await page.waitForFunction(() =>
      document.getElementById('key-reason')!.textContent.includes('not an operator key'),
    );

    await page.fill('#key-input', OPERATOR_KEY);
    await page.click('#key-form button[type="submit"]');
    await ready(page);
    await dialog.waitFor({ state: 'hidden' });
    expect(
      await page
        .locator('#fleet-rows tbody tr')
        .evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.vehicleId)),
    ).toEqual([`${P}v-a`]);
    expect(await page.locator('#fleet-rows [data-col="efficiency"]').innerText()).toBe('90.0 %');
    expect(await page.evaluate(() => sessionStorage.getItem('energy.operatorKey'))).toBe(OPERATOR_KEY);

    // The key stays for the tab: another view needs no prompt.
    await page.locator(`#fleet-rows tr[data-vehicle-id="${P}v-a"] td[data-col="status"]`).click();
    await page.waitForFunction(() => location.hash.startsWith('#/vehicle/'));
    await ready(page);
    expect(await figureText(page, 'acKwh')).toBe('4.00 kWh');
    expect(await dialog.isVisible()).toBe(false);

    // A CSV download carries the key as a header too.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-csv="vehicle"]')]);
    expect((await csvOf(download))[0]).toMatchObject({ kind: 'total', acKwh: '4', dcKwh: '3.6' });

    expect(apiRequests.length).toBeGreaterThanOrEqual(5);
    for (const sent of apiRequests) {
      for (const key of [OPERATOR_KEY, DEVICE_KEY, 'not-a-key']) expect(sent.url).not.toContain(key);
    }
    expect(apiRequests.at(-1)!.authorization).toBe(`Bearer ${OPERATOR_KEY}`);
    expect(page.url()).not.toContain(OPERATOR_KEY);

    // "Forget key" clears it: the next answer is a 401 and the prompt comes back.
    await page.click('#forget-key');
    await dialog.waitFor({ state: 'visible' });
    expect(await page.evaluate(() => sessionStorage.getItem('energy.operatorKey'))).toBeNull();
    await page.close();
  });

  it('the page itself needs no key: it holds no data', async () => {
    await request(t.server)
      .get('/dashboard/')
      .expect(200)
      .expect('content-type', /text\/html/);
    await request(t.server).get('/v1/analytics/fleet').expect(401);
  });
});
