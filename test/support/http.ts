import type { AddressInfo } from 'node:net';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/**
 * Real HTTP over a socket, for tests that send many or concurrent requests, raw body text, or talk
 * to a spawned process: Supertest opens a listener per request, fetch keeps connections alive.
 */

/** Puts an initialised test app on an ephemeral local port; `app.close()` stops it. */
export async function listen(app: NestFastifyApplication): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.getHttpServer().address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

export interface HttpResult {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
}

/** One request; the body is sent byte for byte as given. Rejects only on network errors. */
export async function send(
  url: string,
  init: { method?: string; body?: string; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<HttpResult> {
  const res = await fetch(url, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    body: init.body,
    headers: init.headers,
    signal: AbortSignal.timeout(init.timeoutMs ?? 30_000),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** POSTs JSON text (already serialised) as application/json. */
export function postJson(url: string, text: string, headers: Record<string, string> = {}): Promise<HttpResult> {
  return send(url, { method: 'POST', body: text, headers: { 'content-type': 'application/json', ...headers } });
}

/**
 * The one error shape of the service: `{ statusCode, error, message, details? }`, statusCode = the HTTP status
 * (and = `status` when given). Takes a Supertest response (`body`) or an HttpResult (`json`).
 */
export function expectErrorBody(result: { status: number; json?: unknown; body?: unknown }, status?: number): void {
  if (status !== undefined) expect(result.status).toBe(status);
  const body = result.json ?? result.body;
  expect(body).toEqual(
    expect.objectContaining({
      statusCode: status ?? result.status,
      error: expect.any(String),
      message: expect.any(String),
    }),
  );
  const keys = Object.keys(body as object);
  expect(keys.every((key) => ['statusCode', 'error', 'message', 'details'].includes(key))).toBe(true);
}

/**
 * Calls `probe` until it returns true or `timeoutMs` passes (then fails, naming `what`).
 * For conditions that become true by themselves (a reconnect, a process exit); never a fixed sleep.
 */
export async function pollUntil(what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let delay = 25;
  for (;;) {
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, 250);
  }
}

/** Runs `task(i)` for i in [0, count) with at most `concurrency` in flight; results in index order. */
export async function inParallel<T>(count: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      results[i] = await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return results;
}
