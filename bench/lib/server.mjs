import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PARENT_WATCH = join(dirname(fileURLToPath(import.meta.url)), 'parent-watch.mjs');
const running = new Set();

/** Every spawned process is killed if the bench exits early (crash, Ctrl-C). */
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    for (const child of running) child.kill('SIGTERM');
    process.exit(130);
  });
}

/**
 * Spawns `node [nodeArgs] script` with the given environment, its output in logFile, and waits
 * until GET readyPath answers 200. The returned handle samples the process's memory from /proc.
 */
export async function startProcess({
  name,
  script,
  nodeArgs = [],
  env,
  port,
  logFile,
  readyPath = '/health',
  maxLifetimeS,
}) {
  mkdirSync(dirname(logFile), { recursive: true });
  const log = openSync(logFile, 'w');
  const child = spawn(process.execPath, ['--import', PARENT_WATCH, ...nodeArgs, script], {
    env: { ...process.env, ...env, PORT: String(port), BENCH_MAX_LIFETIME_S: String(maxLifetimeS ?? 0) },
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  running.add(child);
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    });
  });

  const handle = new ServerHandle(name, child, port, logFile, exited);
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (handle.exitStatus)
      throw new Error(`${name} exited during start-up (${JSON.stringify(handle.exitStatus)}):\n${handle.logTail()}`);
    try {
      const res = await fetch(`${handle.url}${readyPath}`, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await handle.stop();
      throw new Error(`${name} was not ready within 90 s:\n${handle.logTail()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  handle.startSampling();
  return handle;
}

class ServerHandle {
  constructor(name, child, port, logFile, exited) {
    this.name = name;
    this.child = child;
    this.pid = child.pid;
    this.port = port;
    this.url = `http://127.0.0.1:${port}`;
    this.logFile = logFile;
    this.exitStatus = undefined;
    this.exited = exited.then((status) => {
      this.exitStatus = status;
      this.stopSampling();
      return status;
    });
    this.maxRssKb = 0;
    this.windowMaxRssKb = 0;
    this.lastHwmKb = 0;
  }

  startSampling(intervalMs = 200) {
    this.sample();
    this.sampler = setInterval(() => this.sample(), intervalMs);
    this.sampler.unref();
  }

  stopSampling() {
    clearInterval(this.sampler);
  }

  /** VmRSS now, and VmHWM (the kernel's own peak resident set since the process started), in kB. */
  sample() {
    try {
      const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
      const rss = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
      const hwm = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
      this.maxRssKb = Math.max(this.maxRssKb, rss);
      this.windowMaxRssKb = Math.max(this.windowMaxRssKb, rss);
      this.lastHwmKb = Math.max(this.lastHwmKb, hwm);
      return { rssKb: rss, hwmKb: hwm };
    } catch {
      return { rssKb: 0, hwmKb: this.lastHwmKb };
    }
  }

  /** The largest VmRSS sampled since the previous call (a phase's peak), in MB. */
  takeWindowPeakMb() {
    this.sample();
    const peak = this.windowMaxRssKb / 1024;
    this.windowMaxRssKb = 0;
    return peak;
  }

  /** VmHWM: peak resident set over the process's life so far, in MB. */
  peakMb() {
    this.sample();
    return this.lastHwmKb / 1024;
  }

  logTail(lines = 30) {
    try {
      return readFileSync(this.logFile, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  /** SIGTERM, then SIGKILL after graceMs. Resolves with the exit status. */
  async stop(graceMs = 30_000) {
    if (!this.exitStatus) {
      this.sample();
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    return this.exitStatus;
  }
}
