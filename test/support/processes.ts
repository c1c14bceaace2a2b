import type { ChildProcess } from 'node:child_process';
import { connect, createServer } from 'node:net';

/**
 * Helpers for tests that run the service as a real process: it listens on PORT=0 (the kernel picks
 * a free port, no probe-then-bind race) and logs the address it got.
 */

export interface RunningProcess {
  child: ChildProcess;
  /** Everything the process wrote so far, stdout and stderr. */
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function captureOutput(child: ChildProcess): RunningProcess {
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => output, exited };
}

/** The base URL from the service's `Listening on http://…` line, once it appears. */
export async function listeningUrl(running: RunningProcess, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let gone = false;
  void running.exited.then(() => (gone = true));
  for (;;) {
    const found = /Listening on (http:\/\/[\w.:[\]-]+)/.exec(running.output());
    if (found) return found[1]!;
    if (gone) throw new Error(`the process exited before it listened:\n${running.output()}`);
    if (Date.now() > deadline) throw new Error(`no "Listening on" line within ${timeoutMs} ms:\n${running.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** True when something accepts TCP connections on 127.0.0.1:port. */
export function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * A port nothing listens on right now, for servers that cannot listen on port 0 themselves
 * (PostgreSQL). Another process may take it before the server binds: callers retry on EADDRINUSE.
 */
export function unusedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** True while any process of the process group `pgid` is alive. */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}
