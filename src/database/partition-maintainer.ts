import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource, type QueryRunner } from 'typeorm';
import { Clock } from '../common/time/clock.ts';
import { AppConfig } from '../config/app-config.ts';
import { isLockTimeout } from './migration-runner.ts';
import { selectRows, withSessionLock } from './session-lock.ts';
import {
  DAY_PARTITIONS,
  DAYS_IN_DEFAULT,
  DELETE_ROLLUPS_BEFORE,
  ENSURE_PARTITION,
  PARTITIONED_TABLES,
  ROLLUP_TABLES,
} from './partitions.sql.ts';

const DAY_MS = 24 * 60 * 60 * 1000;
/** Any constant works; the same for every replica, and not the migration lock's. */
export const UPKEEP_LOCK_KEY = 7_412_003_918;
const FIRST_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 5_000;

export interface MaintenanceReport {
  created: string[];
  dropped: string[];
  /** Partitions that could not get their table lock within PARTITION_LOCK_TIMEOUT_MS, retries included: next run. */
  deferred: string[];
}

/**
 * Keeps one partition per UTC day for the history tables: from PARTITION_DAYS_BEHIND days back
 * to PARTITION_DAYS_AHEAD days ahead, plus any day not older than PARTITION_HORIZON_DAYS whose
 * rows landed in the default partition (older rows stay there: a device replaying years of old
 * buffers must not create a partition per day). With RETENTION_DAYS > 0, whole partitions older
 * than that are dropped (never a DELETE), and the hourly roll-ups of the dropped days with them.
 *
 * Started by DatabaseConnector once the schema is in place, then runs every
 * PARTITION_MAINTENANCE_INTERVAL_MS. Only one replica does upkeep at a time: a run first tries an
 * advisory lock and skips if another instance holds it. Creating or dropping a partition locks
 * the parent table, and a lock request queued behind a long analytics read would make every
 * insert queue behind it: each waits at most PARTITION_LOCK_TIMEOUT_MS, is retried with backoff
 * PARTITION_LOCK_RETRIES times, then left for the next run. All of it runs on one connection (the
 * session lock's), so upkeep needs a single connection of the pool.
 */
@Injectable()
export class PartitionMaintainer implements OnApplicationShutdown {
  private readonly logger = new Logger(PartitionMaintainer.name);
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  /** Maintains now, then on every interval. */
  async start(): Promise<void> {
    await this.maintain();
    clearInterval(this.timer);
    this.timer = setInterval(() => {
      this.maintain().catch((error: unknown) => this.logger.error(`Partition upkeep failed: ${String(error)}`));
    }, this.config.PARTITION_MAINTENANCE_INTERVAL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** One upkeep run; undefined when another instance holds the upkeep lock (it does the work). */
  async maintain(): Promise<MaintenanceReport | undefined> {
    return withSessionLock(this.dataSource, UPKEEP_LOCK_KEY, async (runner) => {
      try {
        await runner.query(`SELECT set_config('lock_timeout', $1, false)`, [
          `${this.config.PARTITION_LOCK_TIMEOUT_MS}ms`,
        ]);
        return await this.maintainOn(runner);
      } finally {
        // The connection goes back to the pool: leave the session as it was.
        await runner.query('RESET lock_timeout').catch(() => undefined);
      }
    });
  }

  private async maintainOn(runner: QueryRunner): Promise<MaintenanceReport> {
    const report: MaintenanceReport = { created: [], dropped: [], deferred: [] };
    const today = utcDay(this.clock.now());
    const planned = dayRange(today, -this.config.PARTITION_DAYS_BEHIND, this.config.PARTITION_DAYS_AHEAD);
    const horizon = addDays(today, -this.config.PARTITION_HORIZON_DAYS);
    const cutoff = this.config.RETENTION_DAYS > 0 ? addDays(today, -this.config.RETENTION_DAYS) : undefined;
    for (const table of PARTITIONED_TABLES) {
      const stranded = (await selectRows<{ day: string }>(runner, DAYS_IN_DEFAULT(table))).map((r) => r.day);
      const keptPlanned = planned.filter((day) => cutoff === undefined || day >= cutoff);
      // Stranded days inside the horizon get their own partition; past retention they get one too,
      // so that dropping it below removes them; between the two they stay in the default partition.
      const homed = stranded.filter((day) => day >= horizon || (cutoff !== undefined && day < cutoff));
      const days = [...new Set([...keptPlanned, ...homed])];
      for (const day of days.sort()) {
        const name = `${table}_p${day.replaceAll('-', '')}`;
        const rows = await this.withLockRetry(runner, ENSURE_PARTITION, [table, day]);
        if (rows === undefined) report.deferred.push(name);
        else if ((rows as { created: boolean }[])[0]?.created) report.created.push(name);
      }
      if (cutoff !== undefined) await this.dropBefore(runner, table, cutoff, report);
    }
    if (cutoff !== undefined) await this.deleteRollupsBefore(runner, cutoff);
    if (report.created.length > 0 || report.dropped.length > 0 || report.deferred.length > 0) {
      this.logger.log(
        `Partitions created: ${report.created.length}, dropped: ${report.dropped.length}, ` +
          `deferred (table lock busy): ${report.deferred.length}`,
      );
    }
    return report;
  }

  private async dropBefore(
    runner: QueryRunner,
    table: string,
    cutoff: string,
    report: MaintenanceReport,
  ): Promise<void> {
    const partitions = await selectRows<{ name: string; day: string }>(runner, DAY_PARTITIONS, [table]);
    for (const partition of partitions.filter((candidate) => candidate.day < cutoff)) {
      const done = await this.withLockRetry(runner, `DROP TABLE IF EXISTS ${quoteIdent(partition.name)}`, []);
      (done === undefined ? report.deferred : report.dropped).push(partition.name);
    }
  }

  /** Roll-up hours before the cutoff: their readings went with the dropped partitions. */
  private async deleteRollupsBefore(runner: QueryRunner, cutoff: string): Promise<void> {
    for (const table of ROLLUP_TABLES) {
      const [row] = await selectRows<{ deleted: number }>(runner, DELETE_ROLLUPS_BEFORE(table), [cutoff]);
      const deleted = row?.deleted ?? 0;
      if (deleted > 0) this.logger.log(`Roll-up rows of ${table} before ${cutoff} deleted: ${deleted}`);
    }
  }

  /** Runs a statement that takes a table lock; on lock_timeout retries with backoff, then gives up (undefined). */
  private async withLockRetry(runner: QueryRunner, sql: string, params: unknown[]): Promise<unknown[] | undefined> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await selectRows<unknown>(runner, sql, params);
      } catch (error) {
        if (!isLockTimeout(error)) throw error;
        if (attempt >= this.config.PARTITION_LOCK_RETRIES) return undefined;
        await sleep(Math.min(FIRST_BACKOFF_MS * 2 ** attempt, MAX_BACKOFF_MS));
      }
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** `YYYY-MM-DD` of the UTC day holding `date`. */
export function utcDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

function addDays(day: string, days: number): string {
  return utcDay(new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS));
}

function dayRange(day: string, fromOffset: number, toOffset: number): string[] {
  const days: string[] = [];
  for (let offset = fromOffset; offset <= toOffset; offset += 1) days.push(addDays(day, offset));
  return days;
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
