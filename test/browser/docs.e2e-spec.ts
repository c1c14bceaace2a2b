import type { AddressInfo } from 'node:net';
import { createTestApp, type TestApp } from '../setup/test-app.ts';
import { type HeadlessChromium, launchChromium, LOCAL_HOST_NAME } from '../support/browser.ts';

/**
 * The Swagger UI as an operator opens it: by host name over plain HTTP in Chromium. It must render
 * the operations, which it did not while the security headers sent upgrade-insecure-requests (the
 * browser then fetched the UI's scripts over https and the page stayed blank). Chromium never
 * upgrades `localhost` (a secure context), so the page is also opened by another host name, which
 * the browser resolves to 127.0.0.1: that one goes blank if the directive comes back.
 */

let t: TestApp;
let chromium: HeadlessChromium;
let port: number;

beforeAll(async () => {
  t = await createTestApp();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  port = (t.app.getHttpServer().address() as AddressInfo).port;
  chromium = await launchChromium();
});

afterAll(async () => {
  await chromium?.close();
  await t?.close();
});

it.each(['localhost', LOCAL_HOST_NAME])(
  'renders every tag and the operations at http://%s:<port>/docs',
  async (host) => {
    const base = `http://${host}:${port}`;
    const page = await chromium.context.newPage();
    const failed: string[] = [];
    page.on('requestfailed', (request) => failed.push(`${request.url()}: ${request.failure()?.errorText}`));
    page.on('pageerror', (error) => failed.push(`page error: ${error.message}`));

    await page.goto(`${base}/docs`);
    await page.locator('.opblock-tag').first().waitFor({ timeout: 20_000 });

    const tags = await page.locator('.opblock-tag').allInnerTexts();
    expect(tags.map((tag) => tag.split('\n')[0]!.trim()).sort()).toEqual(
      expect.arrayContaining(['health', 'live', 'operations', 'telemetry']),
    );
    expect(await page.locator('.opblock-summary-path', { hasText: '/v1/telemetry' }).count()).toBeGreaterThan(0);
    expect(failed).toEqual([]);
    expect(page.url().startsWith(`${base}/docs`)).toBe(true);
    await page.close();
  },
);
