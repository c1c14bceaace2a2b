import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { median } from './stats.mjs';

const README_START = '<!-- bench:latest:start -->';
const README_END = '<!-- bench:latest:end -->';

const int = (v) => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : '–');
const ms = (v) => (Number.isFinite(v) ? v.toFixed(v < 10 ? 2 : 1) : '–');
const ratio = (v) => (Number.isFinite(v) ? v.toFixed(2) : '–');
const mb = (v) => (Number.isFinite(v) ? `${Math.round(v)} MB` : '–');

/** A target as metric() takes it, its text and its test; none where it does not apply (`when` false). */
const bound =
  (symbol, test) =>
  (limit, when = true) =>
    when ? [`${symbol} ${limit.toLocaleString('en-US')}`, (m) => test(m, limit)] : [];
const atLeast = bound('≥', (m, limit) => m >= limit);
const atMost = bound('≤', (m, limit) => m <= limit);
const below = bound('<', (m, limit) => m < limit);

/** Rows of the results table: per-run values, their median, the target and whether the median meets it. */
export function resultRows(report) {
  const rows = [];
  const runs = report.runs;
  const metric = (label, values, format, target, met) => {
    const m = median(values);
    rows.push({
      label,
      values: values.map(format),
      median: format(m),
      target: target ?? '',
      met: met ? met(m) : undefined,
    });
  };
  const o = report.options;
  if (runs.some((r) => r.single)) {
    metric(
      `single reading: readings/s (C=${o.connections})`,
      runs.map((r) => r.single?.readingsPerS),
      int,
      ...atLeast(5000),
    );
    metric(
      'single reading: latency p50 ms',
      runs.map((r) => r.single?.latency.p50),
      ms,
    );
    metric(
      'single reading: latency p99 ms',
      runs.map((r) => r.single?.latency.p99),
      ms,
    );
  }
  if (runs.some((r) => r.bare)) {
    metric(
      `bare Fastify (no database): requests/s (C=${o.connections})`,
      runs.map((r) => r.bare?.requestsPerS),
      int,
    );
    metric(
      'ratio single reading / bare Fastify',
      runs.map((r) => r.ratio),
      ratio,
      ...atLeast(0.35),
    );
  }
  if (runs.some((r) => r.rate)) {
    metric(
      `fixed rate ${int(o.rate)}/s: achieved readings/s`,
      runs.map((r) => r.rate?.readingsPerS),
      int,
    );
    metric(
      `fixed rate ${int(o.rate)}/s: latency p50 ms`,
      runs.map((r) => r.rate?.latency.p50),
      ms,
    );
    metric(
      `fixed rate ${int(o.rate)}/s: latency p99 ms`,
      runs.map((r) => r.rate?.latency.p99),
      ms,
      ...below(20, o.rate === 2000),
    );
  }
  if (runs.some((r) => r.batch)) {
    metric(
      `batches of ${int(o.batch)}: readings/s (C=${o['batch-connections']})`,
      runs.map((r) => r.batch?.readingsPerS),
      int,
    );
    metric(
      `batches of ${int(o.batch)}: latency p50 ms`,
      runs.map((r) => r.batch?.latency.p50),
      ms,
    );
    metric(
      `batches of ${int(o.batch)}: latency p99 ms`,
      runs.map((r) => r.batch?.latency.p99),
      ms,
    );
  }
  if (runs.some((r) => r.copy)) {
    metric(
      'PostgreSQL COPY of as many rows into the history tables: rows/s',
      runs.map((r) => r.copy?.rowsPerS),
      int,
    );
    metric(
      'ratio batches / COPY (same run)',
      runs.map((r) => r.copyRatio),
      ratio,
      ...atLeast(0.6),
    );
  }
  const measured = report.analytics.filter((a) => a.runs?.length);
  const p99s = {};
  for (const a of measured) {
    const label = `${a.seed.days} day${a.seed.days > 1 ? 's' : ''}`;
    const p99 = a.runs.map((r) => r.latency.p99);
    p99s[a.seed.days] = median(p99);
    const oneDay = a.seed.days === 1;
    const cold = a.cold?.runs;
    if (cold?.length) {
      metric(
        `vehicle analytics, cold (page cache dropped, PostgreSQL restarted), ${int(cold[0].requests)} vehicles: p99 ms`,
        cold.map((r) => r.latency.p99),
        ms,
        ...atMost(50),
      );
    }
    metric(
      `vehicle analytics, ${label} of history: p50 ms`,
      a.runs.map((r) => r.latency.p50),
      ms,
    );
    metric(`vehicle analytics, ${label} of history: p99 ms`, p99, ms, ...atMost(5, oneDay));
    if (a.runs.every((r) => r.health)) {
      metric(
        `GET /health/live interleaved, ${label}: p99 ms`,
        a.runs.map((r) => r.health.p99),
        ms,
      );
      metric(
        `ratio vehicle analytics p99 / /health/live p99, ${label}`,
        a.runs.map((r) => r.latency.p99 / r.health.p99),
        ratio,
        ...atMost(4, oneDay),
      );
    }
    if (a.meterRuns?.length) {
      metric(
        `meter view, ${label} of history: p99 ms`,
        a.meterRuns.map((r) => r.latency.p99),
        ms,
        ...atMost(5, oneDay),
      );
    }
    if (a.fleetRuns?.length) {
      const limit = oneDay ? 250 : a.seed.days === 7 ? 1000 : undefined;
      metric(
        `fleet report, ${int(a.seed.devices)} vehicles over ${label}: median ms`,
        a.fleetRuns.map((r) => r.latency.p50),
        ms,
        ...atMost(limit, limit !== undefined),
      );
    }
  }
  if (p99s[1] !== undefined && p99s[7] !== undefined) {
    const [target, met] = atMost(1.1);
    rows.push({
      label: 'vehicle analytics p99, 7 days / 1 day of history',
      values: [],
      median: ratio(p99s[7] / p99s[1]),
      target,
      met: met(p99s[7] / p99s[1]),
    });
  }
  const rss = [report.ingest?.peakRssMb, ...measured.map((a) => a.peakRssMb)].filter(Number.isFinite);
  if (rss.length) {
    rows.push({
      label: 'service peak RSS (VmHWM), MB',
      values: [],
      median: mb(Math.max(...rss)),
      target: '< 300 MB',
      met: Math.max(...rss) < 300,
    });
  }
  const v = report.ingest?.verification;
  if (v) {
    const s = v.summary;
    rows.push({
      label: 'acknowledged = stored (lost / doubled)',
      values: [],
      median: `${int(s.acknowledged)} acked; lost ${s.lost}, doubled ${s.extra}`,
      target: '0 / 0',
      met: v.ok,
    });
  }
  return rows;
}

function table(report, { perRun }) {
  const n = report.runs.length || Math.max(0, ...report.analytics.map((a) => a.runs?.length ?? 0));
  const runHeads = perRun ? Array.from({ length: n }, (_, i) => `run ${i + 1}`) : [];
  const head = ['measure', ...runHeads, 'median', 'target', 'met'];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`];
  for (const row of resultRows(report)) {
    const runs = perRun ? Array.from({ length: n }, (_, i) => row.values[i] ?? '') : [];
    const met = row.met === undefined ? '' : row.met ? 'yes' : '**no**';
    lines.push(`| ${[row.label, ...runs, row.median, row.target, met].join(' | ')} |`);
  }
  return lines.join('\n');
}

function context(report) {
  const m = report.machine;
  const pg = report.postgres ?? {};
  const o = report.options;
  const lines = [
    `- command: \`${report.command}\``,
    `- date: ${report.startedAt} → ${report.finishedAt} (UTC)`,
    `- machine: ${m.host}, ${m.cpu}, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}`,
    `- PostgreSQL ${pg.server_version} on 127.0.0.1 (shared_buffers ${pg.shared_buffers}, work_mem ${pg.work_mem}, max_wal_size ${pg.max_wal_size}, synchronous_commit ${pg.synchronous_commit}, jit ${pg.jit})`,
    `- service: git ${report.git.commit}${report.git.dirty ? ' + uncommitted changes in src/ or migrations/' : ''}, built from \`${o.dist}\`; env ${Object.entries(
      report.serverEnv,
    )
      .map(([k, v]) => `${k}=${v}`)
      .join(', ')}; other settings at their defaults`,
    `- parameters: D=${int(o.devices)} meters + ${int(o.devices)} vehicles, T=${o.duration} s a phase, C=${o.connections}, B=${o.batch} over ${o['batch-connections']} connections, fixed rate ${o.rate}/s, ${o.runs} runs, ${o['analytics-requests']} analytics GETs a run`,
    `- load average (1/5/15 min) before: ${report.loadBefore}; after: ${report.loadAfter}; other PostgreSQL sessions at start: ${pg.otherSessions?.active ?? '?'} active of ${pg.otherSessions?.total ?? '?'}`,
    `- busiest processes at start (ps %CPU, averaged over each process's life): ${report.busyBefore.join('; ')}`,
    `- busiest processes at end (same measure): ${report.busyAfter.join('; ')}`,
  ];
  if (o.note) lines.push(`- note: ${o.note}`);
  return lines.join('\n');
}

function details(report) {
  const out = [];
  const v = report.ingest?.verification;
  if (v) {
    const s = v.summary;
    out.push(
      `**Verification** (${v.ok ? 'passed' : '**FAILED**'}): ${int(s.acknowledged)} readings acknowledged; ` +
        `${int(s.inDoubtSent)} sent without an answer (cut off when a phase ended), of which ${int(s.inDoubtStored)} stored ` +
        `(partially stored requests: ${s.partialRequests}); ${int(s.refusedSent)} refused, ${s.refusedStored} of them stored; ` +
        `${int(s.storedRows)} rows stored for ${int(s.expectedRows)} expected: lost ${s.lost}, doubled ${s.extra}, ` +
        `unknown ${s.unknownRows}; energy sums differing on ${s.sumMismatches} devices; live rows off on ${s.liveMismatches}; ` +
        `hourly roll-ups off on ${s.rollupMismatches} devices; ` +
        `API checked ${int(s.apiChecked)} vehicles (each with its meter), ${s.apiMismatches} mismatches.`,
    );
    for (const e of [...v.examples, ...v.apiExamples]) out.push(`  - ${e}`);
    out.push(
      `Links: ${int(report.ingest.links?.count)} created in ${report.ingest.links?.seconds.toFixed(1)} s. Ingest database at the end: ${report.ingest.databaseSize}. ` +
        `Service RSS after start ${mb(report.ingest.startRssMb)}, peak ${mb(report.ingest.peakRssMb)}; per phase: ` +
        report.runs
          .map(
            (r, i) =>
              `run ${i + 1} ${['single', 'rate', 'batch']
                .filter((p) => r[p])
                .map((p) => `${p} ${mb(r[p].rssPeakMb)}`)
                .join(', ')}`,
          )
          .join('; ') +
        '.',
    );
    const statuses = report.runs.flatMap((r, i) =>
      Object.entries(r)
        .filter(([, p]) => p && typeof p === 'object')
        .map(
          ([name, p]) =>
            `run ${i + 1} ${name}: ${JSON.stringify(p.statuses)}${p.errors ? `, ${p.errors} errors` : ''}${p.timeouts ? `, ${p.timeouts} timeouts` : ''}${p.refusedSample?.length ? ` e.g. ${p.refusedSample[0]}` : ''}`,
        ),
    );
    out.push(`HTTP statuses: ${statuses.join('; ')}.`);
    out.push('', cpuTable(report), '');
    if (report.ingest.cpuProfileDir) out.push(`CPU profile of the ingest service: \`${report.ingest.cpuProfileDir}\`.`);
  }
  for (const a of report.analytics) {
    if (a.skipped) {
      out.push(`Analytics on \`${a.database}\`: skipped, ${a.skipped}.`);
      continue;
    }
    const s = a.seed;
    out.push(
      `Analytics on \`${a.database}\`: ${s.days} day(s) × ${int(s.devices)} meters + ${int(s.devices)} vehicles, ` +
        `${int(s.rowsPerStream)} rows a stream, ${s.layout} layout, seeded ${s.seededAt} in ${Math.round(s.seconds)} s, ` +
        `database ${(a.seed.databaseBytes / 2 ** 30).toFixed(1)} GiB; median vehicle readings in the window ${a.vehicleReadingsMedian}; ` +
        `answers checked against direct SQL: ${a.crossCheck?.checked ?? 0}, mismatches ${a.crossCheck?.mismatches ?? '–'}; ` +
        `problems ${a.runs.map((r) => r.problems).join('/')}; service peak RSS ${mb(a.peakRssMb)}.`,
    );
    if (a.window) {
      out.push(
        `  Windows: vehicle and meter views ${a.window.from} → ${a.window.to} (the seed's last 24 h), every other vehicle request GET /health/live; ` +
          `fleet report ${a.fleetWindow.from} → ${a.fleetWindow.to}, 100 rows a page, ${a.fleetRuns?.[0]?.latency.n ?? 0} requests a run; ` +
          `meter view problems ${(a.meterRuns ?? []).map((r) => r.problems).join('/') || '–'}, fleet problems ${(a.fleetRuns ?? []).map((r) => r.problems).join('/') || '–'}.`,
      );
    }
    if (a.cold?.skipped) out.push(`  Cold runs skipped: ${a.cold.skipped}.`);
    if (a.cold?.runs) {
      out.push(
        `  Cold runs (page cache dropped and PostgreSQL restarted before each, a fresh service, distinct vehicles one at a time): ` +
          a.cold.runs
            .map(
              (r) =>
                `p50 ${ms(r.latency.p50)} / p90 ${ms(r.latency.p90)} / p99 ${ms(r.latency.p99)} / max ${ms(r.latency.max)} ms`,
            )
            .join('; ') +
          '.',
      );
    }
    if (a.explain) {
      out.push(
        `  EXPLAIN (ANALYZE, BUFFERS) for ${a.explain.vehicle}: execution ${a.explain.executionMs} ms (first of three: ${a.explain.firstExecutionMs} ms), planning ${a.explain.planningMs} ms.`,
        '',
        '<details><summary>plan</summary>',
        '',
        '```',
        a.explain.plan,
        '```',
        '',
        '</details>',
        '',
      );
    }
  }
  for (const note of report.notes) out.push(`Note: ${note}`);
  return out.join('\n');
}

/** Where the CPU went, per phase (medians over the runs): the two cores are shared by all three parties. */
function cpuTable(report) {
  const lines = [
    'CPU per acknowledged reading (medians over the runs; /proc/<pid>/stat of the service, of the PostgreSQL backends serving its database, and of the bench process; the main thread from /proc/<pid>/schedstat, as a share of the phase):',
    '',
    '| phase | readings/s | service µs | PostgreSQL µs | load generator µs | cores busy: service / PostgreSQL / generator | service main thread: on a CPU / waiting for one |',
    '|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const phase of ['bare', 'single', 'rate', 'batch']) {
    const runs = report.runs.map((r) => r[phase]).filter((p) => p?.cpu);
    if (runs.length === 0) continue;
    const m = (f) => median(runs.map(f));
    const us = (v) => (Number.isFinite(v) ? v.toFixed(v < 10 ? 1 : 0) : '–');
    lines.push(
      `| ${phase} | ${int(m((p) => p.readingsPerS))} | ${us(m((p) => p.cpu.serviceUs))} | ${phase === 'bare' ? '–' : us(m((p) => p.cpu.postgresUs))} | ${us(m((p) => p.cpu.clientUs))} | ` +
        `${m((p) => p.cpu.serviceCores).toFixed(2)} / ${phase === 'bare' ? '–' : m((p) => p.cpu.postgresCores).toFixed(2)} / ${m((p) => p.cpu.clientCores).toFixed(2)} | ` +
        `${(100 * m((p) => p.cpu.mainThreadBusy)).toFixed(0)} % / ${(100 * m((p) => p.cpu.mainThreadWaiting)).toFixed(0)} % |`,
    );
  }
  return lines.join('\n');
}

export function renderConsole(report) {
  return ['', table(report, { perRun: true }), '', context(report), '', details(report), ''].join('\n');
}

/** The README is checked by `npm run format:check`: format it as Prettier would (aligned tables). */
async function formatMarkdown(path, text) {
  try {
    const prettier = await import('prettier');
    const config = (await prettier.resolveConfig(path)) ?? {};
    return await prettier.format(text, { ...config, filepath: path });
  } catch {
    return text;
  }
}

/** Appends the run to bench/results/<date>-<host>.md and puts its table into bench/README.md. */
export async function recordResults(report, benchDir) {
  const date = report.startedAt.slice(0, 10);
  const dir = join(benchDir, 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${date}-${report.machine.host}.md`);
  const section = [
    `## ${report.startedAt.slice(0, 16).replace('T', ' ')} UTC`,
    '',
    context(report),
    '',
    table(report, { perRun: true }),
    '',
    details(report),
    '',
  ].join('\n');
  const previous = existsSync(file)
    ? readFileSync(file, 'utf8')
    : `# Benchmark runs on ${report.machine.host}, ${date}\n\n`;
  writeFileSync(file, `${previous.trimEnd()}\n\n${section}`);

  // Both READMEs show the latest medians beside the targets, between the bench:latest markers.
  const written = [file];
  const readmes = [
    { path: join(benchDir, 'README.md'), results: 'results' },
    { path: join(benchDir, '..', 'README.md'), results: 'bench/results' },
  ];
  for (const { path: readmePath, results } of readmes) {
    if (!existsSync(readmePath)) continue;
    const readme = readFileSync(readmePath, 'utf8');
    const start = readme.indexOf(README_START);
    const end = readme.indexOf(README_END);
    if (start < 0 || end <= start) continue;
    const link = `${results}/${date}-${report.machine.host}.md`;
    const latest = [
      README_START,
      '',
      `Latest run: ${report.startedAt.slice(0, 16).replace('T', ' ')} UTC on ${report.machine.host} (${report.machine.cpu}, ${report.machine.memoryGiB} GiB), commit ${report.git.commit}${report.git.dirty ? ' (+ uncommitted changes)' : ''}, load average before/after ${report.loadBefore} / ${report.loadAfter}; details in [${link}](${link}).`,
      '',
      table(report, { perRun: false }),
      '',
      README_END,
    ].join('\n');
    writeFileSync(
      readmePath,
      await formatMarkdown(readmePath, readme.slice(0, start) + latest + readme.slice(end + README_END.length)),
    );
    written.push(readmePath);
  }
  return written;
}
