import { readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat; 0 if it is gone. */
export function processCpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND; // utime, stime (fields 14, 15)
  } catch {
    return 0;
  }
}

/** The main thread's time on a CPU and time runnable but waiting for one, in seconds (/proc/<pid>/schedstat). */
export function mainThreadSchedSeconds(pid) {
  try {
    const [run, wait] = readFileSync(`/proc/${pid}/schedstat`, 'utf8').trim().split(' ').map(Number);
    return { run: run / 1e9, wait: wait / 1e9 };
  } catch {
    return { run: 0, wait: 0 };
  }
}

/**
 * CPU used during a phase by the service process, the PostgreSQL backends serving the database
 * (the service's pool) and the bench process itself (load generator). PostgreSQL's shared
 * background processes (WAL writer, checkpointer) are not counted: other databases use them too.
 */
export class CpuMeter {
  constructor({ db, database, serverPid }) {
    this.db = db;
    this.database = database;
    this.serverPid = serverPid;
  }

  async backendPids() {
    if (!this.db) return [];
    const { rows } = await this.db.query(
      `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()
         AND application_name NOT LIKE 'energy-bench%'`,
      [this.database],
    );
    return rows.map((r) => r.pid);
  }

  /** Backends come and go (the pool closes idle connections): their CPU is sampled every 500 ms. */
  async sample() {
    for (const pid of await this.backendPids()) {
      if (!this.baseline.has(pid)) this.baseline.set(pid, 0); // connected during the phase
    }
    for (const pid of this.baseline.keys()) {
      const now = processCpuSeconds(pid);
      if (now > 0) this.latest.set(pid, now);
    }
  }

  async start() {
    this.baseline = new Map((await this.backendPids()).map((pid) => [pid, processCpuSeconds(pid)]));
    this.latest = new Map(this.baseline);
    this.server = processCpuSeconds(this.serverPid);
    this.sched = mainThreadSchedSeconds(this.serverPid);
    this.client = process.cpuUsage();
    this.wall = performance.now();
    this.timer = setInterval(() => {
      this.sample().catch(() => {});
    }, 500);
  }

  async stop() {
    clearInterval(this.timer);
    const wallS = (performance.now() - this.wall) / 1000;
    const client = process.cpuUsage(this.client);
    const serviceS = processCpuSeconds(this.serverPid) - this.server;
    const sched = mainThreadSchedSeconds(this.serverPid);
    await this.sample();
    let postgres = 0;
    for (const [pid, base] of this.baseline) postgres += Math.max(0, (this.latest.get(pid) ?? base) - base);
    return {
      wallS,
      serviceS,
      postgresS: postgres,
      clientS: (client.user + client.system) / 1e6,
      mainRunS: sched.run - this.sched.run,
      mainWaitS: sched.wait - this.sched.wait,
    };
  }
}
