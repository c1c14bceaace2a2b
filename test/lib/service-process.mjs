/**
 * For the slow script tests (test/upgrade, test/replicas): the built service as a real process on
 * 127.0.0.1, and the scratch databases they run on. Every process started here is killed when the
 * script exits, however it exits.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import pg from 'pg';

const READY_TIMEOUT_MS = 180_000;
const STOP_TIMEOUT_MS = 30_000;
const children = new Set();
process.on('exit', () => children.forEach((child) => child.kill('SIGKILL')));

/**
 * Starts `node script` on a free port with `env` on top of the service defaults the scripts share,
 * and waits until GET /health answers 200 (fails with the output's tail if it exits or times out).
 */
export async function startService(name, script, { cwd, databaseUrl, env = {}, waitReady = true }) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const output = [];
  const child = spawn(process.execPath, [script], {
    cwd,
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      HOST: '127.0.0.1',
      PORT: String(port),
      NODE_ENV: 'development',
      LOG_LEVEL: 'warn',
      RATE_LIMIT_PER_MINUTE: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  for (const stream of [child.stdout, child.stderr]) stream.on('data', (chunk) => output.push(chunk.toString()));
  let exit;
  const exited = new Promise((resolve) =>
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      children.delete(child);
      resolve(exit);
    }),
  );
  const tail = () => output.join('').split('\n').slice(-30).join('\n');
  const handle = {
    name,
    url,
    pid: child.pid,
    tail,
    exited,
    /** GET /health answers seen while waiting for readiness, by status (0: no answer). */
    healthSeen: {},
    async ready() {
      const deadline = Date.now() + READY_TIMEOUT_MS;
      for (;;) {
        if (exit) throw new Error(`${name} exited before it was ready (${JSON.stringify(exit)}):\n${tail()}`);
        const status = await httpStatus(`${url}/health`);
        handle.healthSeen[status] = (handle.healthSeen[status] ?? 0) + 1;
        if (status === 200) return;
        if (Date.now() > deadline) {
          child.kill('SIGKILL');
          throw new Error(
            `${name} was not ready within ${READY_TIMEOUT_MS / 1000} s (GET /health: ${status}):\n${tail()}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    },
    /** SIGTERM, and the graceful exit (0) it must lead to. */
    async stop() {
      if (exit) throw new Error(`${name} had already exited (${JSON.stringify(exit)}):\n${tail()}`);
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      const status = await exited;
      clearTimeout(timer);
      if (status.code !== 0) throw new Error(`${name} exited ${JSON.stringify(status)} on SIGTERM:\n${tail()}`);
    },
    kill() {
      child.kill('SIGKILL');
      return exited;
    },
  };
  if (waitReady) await handle.ready();
  return handle;
}

async function httpStatus(url) {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
}

export function withDatabase(url, database) {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** Runs one statement on the server's `postgres` database (CREATE/DROP DATABASE). */
export async function adminQuery(serverUrl, sql) {
  const admin = new pg.Client({ connectionString: withDatabase(serverUrl, 'postgres') });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

export async function query(databaseUrl, sql, params = []) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows;
  } finally {
    await client.end();
  }
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** A console logger that prefixes each line with the script's name and the seconds since it started. */
export function stopwatchLog(label) {
  const started = Date.now();
  return (message) => console.log(`[${label} ${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${message}`);
}
