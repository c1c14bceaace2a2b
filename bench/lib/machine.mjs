import { execFileSync } from 'node:child_process';
import os from 'node:os';

function run(command, args) {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

export function machineInfo() {
  const cpus = os.cpus();
  return {
    host: os.hostname(),
    cpu: `${cpus[0]?.model ?? 'unknown CPU'} × ${cpus.length}`,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
  };
}

export function loadAverage() {
  return os
    .loadavg()
    .map((v) => v.toFixed(2))
    .join(' ');
}

/** The busiest processes right now (what else shares the machine), excluding this one. */
export function busiestProcesses(limit = 6) {
  const lines = run('ps', ['-eo', 'pcpu=,rss=,pid=,args=', '--sort=-pcpu']).split('\n');
  return lines
    .map((line) => line.trim())
    .filter((line) => line && !line.includes(` ${process.pid} `))
    .slice(0, limit)
    .map((line) => {
      const [pcpu, rss, pid, ...args] = line.split(/\s+/);
      return `${pcpu}% ${Math.round(Number(rss) / 1024)}MB ${args.join(' ').slice(0, 90)}`;
    });
}

export function gitRevision(cwd) {
  const commit = run('git', ['-C', cwd, 'rev-parse', '--short', 'HEAD']);
  const dirty = run('git', ['-C', cwd, 'status', '--porcelain', '--', 'src', 'migrations']);
  return { commit: commit || 'unknown', dirty: dirty.length > 0 };
}

export async function postgresInfo(client) {
  const settings = {};
  for (const name of ['server_version', 'shared_buffers', 'work_mem', 'max_wal_size', 'synchronous_commit', 'jit']) {
    const { rows } = await client.query(`SELECT current_setting($1) AS v`, [name]);
    settings[name] = rows[0].v;
  }
  const { rows } = await client.query(
    `SELECT count(*) FILTER (WHERE state = 'active')::int AS active, count(*)::int AS total
     FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()`,
  );
  return { ...settings, otherSessions: rows[0] };
}
