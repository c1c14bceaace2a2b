import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { send } from '../support/http.ts';
import {
  captureOutput,
  groupAlive,
  isListening,
  listeningUrl,
  type RunningProcess,
  unusedPort,
} from '../support/processes.ts';

/**
 * `npm start` exactly as the README says (build, then the server on the embedded PostgreSQL), stopped
 * by SIGTERM to npm's own PID: the server, its embedded PostgreSQL and npm all exit, and neither
 * port is held afterwards. npm runs in its own process group so that "everything it started" can be
 * checked: no process of that group may survive.
 */

let dataDir: string;
let running: RunningProcess | undefined;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'energy-npm-start-'));
  await chmod(dataDir, 0o755); // as root, the embedded PostgreSQL runs as `postgres` and must reach it
});

afterAll(async () => {
  const pid = running?.child.pid;
  if (pid !== undefined && groupAlive(pid)) process.kill(-pid, 'SIGKILL'); // only if the test failed
  await rm(dataDir, { recursive: true, force: true });
});

it('stops the server and its embedded PostgreSQL when npm start gets SIGTERM', async () => {
  const pgPort = await unusedPort();
  const child = spawn('npm', ['start'], {
    cwd: process.cwd(),
    detached: true,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DATABASE_URL: '', // empty wins over a developer's .env: the embedded PostgreSQL
      EMBEDDED_PG_DIR: join(dataDir, 'pg'),
      EMBEDDED_PG_PORT: String(pgPort),
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running = captureOutput(child);
  const base = await listeningUrl(running, 150_000);
  const httpPort = Number(new URL(base).port);
  expect((await send(`${base}/health`)).status).toBe(200);
  expect(await isListening(pgPort)).toBe(true);

  child.kill('SIGTERM');
  const exit = await running.exited;

  expect({ exit, output: exit.code === 0 ? '' : running.output() }).toEqual({
    exit: { code: 0, signal: null },
    output: '',
  });
  expect(groupAlive(child.pid!)).toBe(false);
  expect(await isListening(httpPort)).toBe(false);
  expect(await isListening(pgPort)).toBe(false);
  expect(existsSync(join(dataDir, 'pg', 'postmaster.pid'))).toBe(false);
  expect(running.output()).toMatch(/Shutdown finished/);
}, 180_000);
