import { Injectable } from '@nestjs/common';
import { ReadingOutOfRange } from '../common/errors/domain-error.ts';
import type { FieldProblem } from '../common/errors/error-body.ts';
import { Clock } from '../common/time/clock.ts';
import { AppConfig } from '../config/app-config.ts';
import { Metrics } from '../observability/metrics.ts';
import type { IngestAck, Reading, ReadingsBody } from './reading.ts';
import { TelemetryWriter } from './telemetry.writer.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The rules that need "now" (the body pipe checks everything else), then the write. A reading may be
 * at most FUTURE_TOLERANCE_SECONDS ahead of the clock; with READING_MAX_AGE_DAYS it may be at most
 * that old; with RETENTION_DAYS it may not be older than the retention cut-off (the UTC midnight
 * that partition upkeep drops before), since it would be acknowledged and then deleted within the
 * hour. A batch is all-or-nothing here too: one reading out of range refuses it, nothing stored.
 */
@Injectable()
export class TelemetryService {
  constructor(
    private readonly writer: TelemetryWriter,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly metrics: Metrics,
  ) {}

  /** Stores validated readings (history and live state) and answers once they are committed. */
  ingest({ readings, isBatch }: ReadingsBody): Promise<IngestAck> {
    const problems = this.outOfRange(readings, isBatch);
    if (problems.length > 0) return Promise.reject(new ReadingOutOfRange(problems));
    return this.writer.write(readings);
  }

  private outOfRange(readings: Reading[], isBatch: boolean): FieldProblem[] {
    const nowMs = this.clock.now().getTime();
    const latestMs = nowMs + this.config.FUTURE_TOLERANCE_SECONDS * 1000;
    const earliest = this.earliestAllowed(nowMs);
    const problems: FieldProblem[] = [];
    readings.forEach((reading, index) => {
      const field = isBatch ? `[${index}].timestamp` : 'timestamp';
      const { epochMs } = reading.instant;
      let why: string | undefined;
      if (epochMs > latestMs) why = `timestamp is more than ${this.config.FUTURE_TOLERANCE_SECONDS} s in the future`;
      else if (earliest && epochMs < earliest.ms) why = earliest.why;
      if (why === undefined) return;
      problems.push({ field, errors: [why] });
      this.metrics.rejected.inc({ kind: reading.kind, reason: 'invalid_timestamp' });
    });
    return problems;
  }

  /** The oldest instant accepted, and what to say about older ones; undefined: no limit here. */
  private earliestAllowed(nowMs: number): { ms: number; why: string } | undefined {
    const limits: { ms: number; why: string }[] = [];
    if (this.config.RETENTION_DAYS > 0) {
      const todayMs = Math.floor(nowMs / DAY_MS) * DAY_MS;
      const cutoffMs = todayMs - this.config.RETENTION_DAYS * DAY_MS;
      limits.push({
        ms: cutoffMs,
        why: `timestamp is before ${new Date(cutoffMs).toISOString()}, the retention cut-off (RETENTION_DAYS=${this.config.RETENTION_DAYS}): it would be deleted`,
      });
    }
    if (this.config.READING_MAX_AGE_DAYS > 0) {
      const oldestMs = nowMs - this.config.READING_MAX_AGE_DAYS * DAY_MS;
      limits.push({
        ms: oldestMs,
        why: `timestamp is more than ${this.config.READING_MAX_AGE_DAYS} days old (READING_MAX_AGE_DAYS)`,
      });
    }
    return limits.sort((a, b) => b.ms - a.ms)[0];
  }
}
