import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource, type QueryRunner } from 'typeorm';
import { AppConfig } from '../config/app-config.ts';
import { isLockTimeout } from '../database/migration-runner.ts';
import { selectRows, withSessionLock } from '../database/session-lock.ts';
import { Metrics } from '../observability/metrics.ts';
import { attributionParams } from './attribution.sql.ts';
import {
  BUILD_HOURS,
  CLEAR_CHANGES,
  DAY_STATE,
  DAYS_TO_BUILD,
  DELETE_FROM,
  LOCK_INPUTS,
  PRUNE,
  RECORD_DAY,
  SETTLED_END,
  SNAPSHOT_DAYS,
} from './attribution-snapshots.sql.ts';

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;
/** Any constant works; the same for every replica, and neither the migration's nor the partition upkeep's. */
export const SNAPSHOT_LOCK_KEY = 7_412_003_919;
/** The SHARE lock waits at most this long (writers in flight), below deadlock_timeout (1 s): a writer is never the one aborted. */
const INPUT_LOCK_TIMEOUT = '200ms';

export interface SnapshotRun {
  /** False when another replica holds the builder's lock, or a writer held the inputs' lock too long. */
  ran: boolean;
  /** Each day built: `from` is its start for a rebuild, else the end of its current part, extended. */
  built: { day: string; from: string; rows: number; ms: number }[];
}

/**
 * Keeps the attribution snapshots (attributed_hourly) of the last SNAPSHOT_DAYS UTC days: every
 * ATTRIBUTION_SNAPSHOT_INTERVAL_MS (0: never, as in the tests, which call build() themselves) it
 * builds each day whose snapshot is missing, changed (a change recorded since its build) or short of
 * the settled hours, newest first, in one repeatable-read transaction per day: an unchanged day is
 * extended by its newly settled hours (on top of its last built hour's running sums), any other is
 * rebuilt whole; either way from the roll-ups and link periods as that snapshot sees them, clearing
 * the changes it saw. One replica builds at a time (an advisory lock), on one connection.
 */
@Injectable()
export class AttributionSnapshots implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AttributionSnapshots.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly metrics: Metrics,
  ) {}

  onApplicationBootstrap(): void {
    const interval = this.config.ATTRIBUTION_SNAPSHOT_INTERVAL_MS;
    if (interval === 0) return;
    const tick = (): void => {
      if (this.running !== undefined || this.stopped || !this.dataSource.isInitialized) return;
      this.running = this.build()
        .catch((error: unknown) => this.logger.warn(`Attribution snapshots not built: ${String(error)}`))
        .finally(() => {
          this.running = undefined;
        });
    };
    this.timer = setInterval(tick, interval);
    this.timer.unref();
    setTimeout(tick, Math.min(interval, 1_000)).unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }

  /** One run: builds every day that needs it. */
  async build(): Promise<SnapshotRun> {
    const run = await withSessionLock(this.dataSource, SNAPSHOT_LOCK_KEY, (runner) => this.buildOn(runner));
    return run ?? { ran: false, built: [] };
  }

  private async buildOn(runner: QueryRunner): Promise<SnapshotRun> {
    const settled = await this.settledEnd(runner);
    if (settled === undefined) return { ran: false, built: [] };
    const horizon = new Date(Math.floor((settled.getTime() - 1) / DAY_MS) * DAY_MS - (SNAPSHOT_DAYS - 1) * DAY_MS);
    for (const sql of PRUNE) await runner.query(sql, [horizon]);
    const days = await selectRows<{ day: Date; build_end: Date }>(runner, DAYS_TO_BUILD, [settled, SNAPSHOT_DAYS]);
    const built: SnapshotRun['built'] = [];
    for (const { day, build_end: end } of days) {
      if (this.stopped) break;
      const started = performance.now();
      const { from, rows } = await this.buildDay(runner, day, end);
      const ms = performance.now() - started;
      this.metrics.snapshotDaysBuilt.observe(ms / 1000);
      built.push({ day: day.toISOString().slice(0, 10), from: from.toISOString(), rows, ms: Math.round(ms) });
    }
    if (built.length > 0) {
      this.logger.log(
        `Attribution snapshots built: ${built.map((b) => `${b.day} from ${b.from.slice(11, 16)} (${b.rows} rows, ${b.ms} ms)`).join(', ')}`,
      );
    }
    return { ran: true, built };
  }

  /** The settled end read after writers in flight committed; undefined if they held the lock too long. */
  private async settledEnd(runner: QueryRunner): Promise<Date | undefined> {
    await runner.startTransaction();
    try {
      await runner.query(`SELECT set_config('lock_timeout', $1, true)`, [INPUT_LOCK_TIMEOUT]);
      await runner.query(LOCK_INPUTS);
      const [row] = await selectRows<{ settled: Date }>(runner, SETTLED_END);
      await runner.commitTransaction();
      return row!.settled;
    } catch (error) {
      await runner.rollbackTransaction();
      if (isLockTimeout(error)) return undefined;
      throw error;
    }
  }

  /**
   * Builds day [day, end) in one repeatable-read transaction: only its newly settled hours when what
   * was built of it is still current (nothing it read has changed since), else all of it.
   */
  private async buildDay(runner: QueryRunner, day: Date, end: Date): Promise<{ from: Date; rows: number }> {
    await runner.startTransaction('REPEATABLE READ');
    try {
      const [state] = await selectRows<{ changed: boolean; built_end: Date | null }>(runner, DAY_STATE, [day]);
      const { changed, built_end: builtEnd } = state!;
      const extend = !changed && builtEnd !== null && builtEnd.getTime() < end.getTime();
      const from = extend ? builtEnd : day;
      await runner.query(CLEAR_CHANGES, [day]);
      await runner.query(DELETE_FROM, [from, day]);
      const hours = { from, to: end, hourFrom: from, hourTo: end, wholeFrom: from, wholeTo: end };
      const [inserted] = await selectRows<{ rows: number }>(runner, BUILD_HOURS, [
        ...attributionParams({ ...hours, bucket: '3600 seconds', timeZone: null }),
        day,
      ]);
      await runner.query(RECORD_DAY, [day, end]);
      await runner.commitTransaction();
      return { from, rows: inserted!.rows };
    } catch (error) {
      await runner.rollbackTransaction();
      throw error;
    }
  }
}
