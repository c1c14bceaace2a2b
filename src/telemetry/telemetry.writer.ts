import { type BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { WriteFailed, WriterClosing, WriterOverloaded } from '../common/errors/domain-error.ts';
import { AppConfig } from '../config/app-config.ts';
import { Metrics } from '../observability/metrics.ts';
import { type IngestAck, type Reading, readingKey } from './reading.ts';
import { STORE_READINGS, type StoredReadingRow } from './telemetry.sql.ts';

interface PendingRequest {
  readings: Reading[];
  resolve: (ack: IngestAck) => void;
  reject: (error: Error) => void;
}

/** The columns of one flush, as the arrays that STORE_READINGS unnests. */
interface FlushColumns {
  meterIds: string[];
  meterTs: string[];
  meterKwh: number[];
  meterVoltage: number[];
  vehicleIds: string[];
  vehicleTs: string[];
  vehicleSoc: number[];
  vehicleKwh: number[];
  vehicleTemp: number[];
}

/**
 * Group commit. Concurrent requests queue here and are stored together, one statement per flush,
 * so that a storm of single-reading requests costs a few transactions rather than one each.
 * A flush starts as soon as a flush slot is free (after WRITER_LINGER_MS, to gather company) and
 * takes whole requests up to WRITER_MAX_FLUSH_READINGS. Each request is answered only after the
 * statement holding it has committed; if it fails, nothing of it is stored and no request in it
 * is acknowledged (see handleFailedFlush). Every statement is bounded by the pool's client-side
 * DB_QUERY_TIMEOUT_MS, so a flush slot is never held forever, even by a network partition.
 *
 * Shutdown, by lifecycle phase rather than module order: in beforeApplicationShutdown the writer
 * turns new writes away (503) and drains; the HTTP server closes after that phase and the pool
 * only in onApplicationShutdown, so every accepted write meets an open pool.
 */
@Injectable()
export class TelemetryWriter implements BeforeApplicationShutdown {
  private readonly logger = new Logger(TelemetryWriter.name);
  private readonly queue: PendingRequest[] = [];
  /** Flush-mates of a flush that failed on data, re-queued in halves, each flushed on its own (first). */
  private readonly isolating: PendingRequest[][] = [];
  private queuedReadings = 0;
  private flushesInFlight = 0;
  private closing = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly idleWaiters: Array<() => void> = [];

  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly metrics: Metrics,
  ) {}

  /** Resolves once the readings are committed; duplicates (in the request or already stored) are counted, not stored. */
  write(readings: Reading[]): Promise<IngestAck> {
    this.metrics.requestReadings.observe(readings.length);
    if (this.closing) {
      this.countRejected(readings, 'closing');
      return Promise.reject(new WriterClosing());
    }
    if (this.queuedReadings + readings.length > this.config.WRITER_MAX_QUEUED_READINGS) {
      this.countRejected(readings, 'overloaded');
      return Promise.reject(new WriterOverloaded());
    }
    return new Promise<IngestAck>((resolve, reject) => {
      this.queue.push({ readings, resolve, reject });
      this.queuedReadings += readings.length;
      this.metrics.queuedReadings.set(this.queuedReadings);
      this.schedule();
    });
  }

  /** Resolves when nothing is queued or being stored. */
  async drain(): Promise<void> {
    if (this.isIdle()) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.closing = true;
    await this.drain();
  }

  private isIdle(): boolean {
    return this.queue.length === 0 && this.isolating.length === 0 && this.flushesInFlight === 0;
  }

  private schedule(): void {
    if (this.timer || (this.queue.length === 0 && this.isolating.length === 0)) return;
    if (this.flushesInFlight >= this.config.WRITER_MAX_CONCURRENT_FLUSHES) return; // a finishing flush reschedules
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.config.WRITER_LINGER_MS);
  }

  private async flush(): Promise<void> {
    const batch = this.takeBatch();
    if (batch.length === 0) return;
    this.flushesInFlight += 1;
    this.schedule();
    try {
      await this.store(batch);
    } finally {
      this.flushesInFlight -= 1;
      this.schedule();
      this.notifyIfIdle();
    }
  }

  private takeBatch(): PendingRequest[] {
    const isolated = this.isolating.shift();
    if (isolated) return isolated; // its readings left queuedReadings when first taken
    const batch: PendingRequest[] = [];
    let size = 0;
    while (this.queue.length > 0) {
      const next = this.queue[0]!;
      if (batch.length > 0 && size + next.readings.length > this.config.WRITER_MAX_FLUSH_READINGS) break;
      batch.push(this.queue.shift()!);
      size += next.readings.length;
    }
    this.queuedReadings -= size;
    this.metrics.queuedReadings.set(this.queuedReadings);
    return batch;
  }

  private async store(batch: PendingRequest[]): Promise<void> {
    // The first occurrence of a reading in the flush goes to the database; later ones are duplicates.
    const firstClaims = new Map<string, PendingRequest>();
    const columns = emptyColumns();
    for (const request of batch) {
      for (const reading of request.readings) {
        const key = readingKey(reading.kind, reading.deviceId, reading.instant.epochMicros);
        if (firstClaims.has(key)) continue;
        firstClaims.set(key, request);
        addToColumns(columns, reading);
      }
    }

    let stored: StoredReadingRow[];
    const stopTimer = this.metrics.flushSeconds.startTimer();
    try {
      stored = await this.dataSource.query<StoredReadingRow[]>(STORE_READINGS, toParameters(columns));
    } catch (error) {
      this.handleFailedFlush(batch, error);
      return;
    } finally {
      stopTimer();
    }
    this.metrics.flushReadings.observe(firstClaims.size);

    const acceptedBy = new Map<PendingRequest, number>();
    for (const row of stored) {
      const owner = firstClaims.get(readingKey(row.kind, row.device_id, row.micros));
      if (owner) acceptedBy.set(owner, (acceptedBy.get(owner) ?? 0) + 1);
    }
    for (const request of batch) {
      const accepted = acceptedBy.get(request) ?? 0;
      request.resolve({ accepted, duplicates: request.readings.length - accepted });
    }
    this.countOutcomes(stored, batch);
  }

  /**
   * The statement rolled back, so nothing of the flush is stored and every request in it fails.
   * When some request's data broke it (a data or constraint error: it passed validation, so this
   * is a bug to look at), its neighbours should not fail with it: the flush is split in two halves
   * of whole requests, re-queued ahead of new work and flushed on their own, halving again until
   * the culprit is alone and fails with a logged 500. The slot is released meanwhile, and one
   * culprit among n requests costs about 2·log2(n) statements, not n. Anything else (database
   * unreachable, slow, schema missing) fails every request with a retryable 503.
   */
  private handleFailedFlush(batch: PendingRequest[], error: unknown): void {
    const causedByData = isDataError(error);
    if (causedByData && batch.length > 1) {
      const half = Math.ceil(batch.length / 2);
      this.isolating.unshift(batch.slice(0, half), batch.slice(half));
      return;
    }
    const message = error instanceof Error ? error.message : String(error);
    this.logger.error(`Flush of ${batch.length} request(s) failed: ${message}`);
    for (const request of batch) {
      this.countRejected(request.readings, causedByData ? 'write_error' : 'write_failed');
      request.reject(causedByData ? new Error(`Storing readings failed: ${message}`) : new WriteFailed());
    }
  }

  private countOutcomes(stored: StoredReadingRow[], batch: PendingRequest[]): void {
    const accepted = { meter: 0, vehicle: 0 };
    for (const row of stored) accepted[row.kind] += 1;
    const total = { meter: 0, vehicle: 0 };
    for (const request of batch) for (const reading of request.readings) total[reading.kind] += 1;
    for (const kind of ['meter', 'vehicle'] as const) {
      this.metrics.readings.inc({ kind, outcome: 'accepted' }, accepted[kind]);
      this.metrics.readings.inc({ kind, outcome: 'duplicate' }, total[kind] - accepted[kind]);
    }
  }

  private countRejected(readings: Reading[], reason: string): void {
    for (const reading of readings) this.metrics.rejected.inc({ kind: reading.kind, reason });
  }

  private notifyIfIdle(): void {
    if (!this.isIdle()) return;
    for (const wake of this.idleWaiters.splice(0)) wake();
  }
}

function emptyColumns(): FlushColumns {
  return {
    meterIds: [],
    meterTs: [],
    meterKwh: [],
    meterVoltage: [],
    vehicleIds: [],
    vehicleTs: [],
    vehicleSoc: [],
    vehicleKwh: [],
    vehicleTemp: [],
  };
}

function addToColumns(columns: FlushColumns, reading: Reading): void {
  if (reading.kind === 'meter') {
    columns.meterIds.push(reading.deviceId);
    columns.meterTs.push(reading.instant.iso);
    columns.meterKwh.push(reading.kwhConsumedAc);
    columns.meterVoltage.push(reading.voltage);
  } else {
    columns.vehicleIds.push(reading.deviceId);
    columns.vehicleTs.push(reading.instant.iso);
    columns.vehicleSoc.push(reading.soc);
    columns.vehicleKwh.push(reading.kwhDeliveredDc);
    columns.vehicleTemp.push(reading.batteryTemp);
  }
}

function toParameters(c: FlushColumns): unknown[] {
  return [
    c.meterIds,
    c.meterTs,
    c.meterKwh,
    c.meterVoltage,
    c.vehicleIds,
    c.vehicleTs,
    c.vehicleSoc,
    c.vehicleKwh,
    c.vehicleTemp,
  ];
}

/** SQLSTATE classes 22 (data exception) and 23 (integrity constraint violation): the rows were at fault. */
function isDataError(error: unknown): boolean {
  const code = (error as { driverError?: { code?: unknown } } | null)?.driverError?.code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
}
