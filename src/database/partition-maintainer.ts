import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock } from '../common/time/clock.ts';
import { AppConfig } from '../config/app-config.ts';
import {
  DAY_PARTITIONS,
  DAYS_IN_DEFAULT,
  DELETE_ROLLUPS_BEFORE,
  ENSURE_PARTITION,
  PARTITIONED_TABLES,
  ROLLUP_TABLES,
} from './partitions.sql.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface MaintenanceReport {
  created: string[];
  dropped: string[];
}

/**
 * Keeps one partition per UTC day for the history tables: from PARTITION_DAYS_BEHIND days back
 * to PARTITION_DAYS_AHEAD days ahead, plus any day whose rows landed in the default partition.
 * With RETENTION_DAYS > 0, whole partitions older than that are dropped (never a DELETE), and the
 * hourly roll-ups of the dropped days are deleted with them (small tables, a plain DELETE).
 * Started by DatabaseConnector once the schema is in place, then runs every
 * PARTITION_MAINTENANCE_INTERVAL_MS; replicas may all run it, the SQL function takes a lock and
 * skips days that already exist.
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

  async maintain(): Promise<MaintenanceReport> {
    const report: MaintenanceReport = { created: [], dropped: [] };
    const today = utcDay(this.clock.now());
    const planned = dayRange(today, -this.config.PARTITION_DAYS_BEHIND, this.config.PARTITION_DAYS_AHEAD);
    const cutoff = this.config.RETENTION_DAYS > 0 ? addDays(today, -this.config.RETENTION_DAYS) : undefined;
    for (const table of PARTITIONED_TABLES) {
      const stranded = (await this.dataSource.query<{ day: string }[]>(DAYS_IN_DEFAULT(table))).map((r) => r.day);
      // Stranded days past retention get their partition too, so that dropping it below removes them.
      const keptPlanned = planned.filter((day) => cutoff === undefined || day >= cutoff);
      const days = [...new Set([...keptPlanned, ...stranded])];
      for (const day of days.sort()) {
        const [row] = await this.dataSource.query<{ created: boolean }[]>(ENSURE_PARTITION, [table, day]);
        if (row?.created) report.created.push(`${table}_p${day.replaceAll('-', '')}`);
      }
      if (cutoff !== undefined) report.dropped.push(...(await this.dropBefore(table, cutoff)));
    }
    if (cutoff !== undefined) await this.deleteRollupsBefore(cutoff);
    if (report.created.length > 0 || report.dropped.length > 0) {
      this.logger.log(`Partitions created: ${report.created.length}, dropped: ${report.dropped.length}`);
    }
    return report;
  }

  private async dropBefore(table: string, cutoff: string): Promise<string[]> {
    const partitions = await this.dataSource.query<{ name: string; day: string }[]>(DAY_PARTITIONS, [table]);
    const expired = partitions.filter((partition) => partition.day < cutoff);
    for (const partition of expired) {
      await this.dataSource.query(`DROP TABLE IF EXISTS ${quoteIdent(partition.name)}`);
    }
    return expired.map((partition) => partition.name);
  }

  /** Roll-up hours before the cutoff: their readings went with the dropped partitions. */
  private async deleteRollupsBefore(cutoff: string): Promise<void> {
    for (const table of ROLLUP_TABLES) {
      const [row] = await this.dataSource.query<{ deleted: number }[]>(DELETE_ROLLUPS_BEFORE(table), [cutoff]);
      const deleted = row?.deleted ?? 0;
      if (deleted > 0) this.logger.log(`Roll-up rows of ${table} before ${cutoff} deleted: ${deleted}`);
    }
  }
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
