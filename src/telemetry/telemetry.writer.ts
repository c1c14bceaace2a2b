import { type BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { WriteFailed, WriterClosing, WriterOverloaded } from '../common/errors/domain-error.ts';
import { AppConfig } from '../config/app-config.ts';
import { deviceKey, DevicesService, modeAt } from '../devices/devices.service.ts';
import { Metrics } from '../observability/metrics.ts';
import { boundsOf, type MeasuredReading, measureInterval } from './measurement.ts';
import { type IngestAck, type Reading, readingKey } from './reading.ts';
import { RegisterDeriver, type RegisterGroup } from './register-deriver.ts';
import { CONFLICTS_AMONG, STORE_READINGS, type StoredReadingRow } from './telemetry.sql.ts';

interface PendingRequest {
  readings: Reading[];
  resolve: (ack: IngestAck) => void;
  reject: (error: Error) => void;
}

/** The columns of one flush, as the arrays that STORE_READINGS unnests. */
interface FlushColumns {
  meterIds: string[];
  meterTs: string[];
  meterKwh: (string | number)[];
  meterReported: (number | null)[];
  meterVoltage: number[];
  meterQuality: string[];
  meterReason: (string | null)[];
  vehicleIds: string[];
  vehicleTs: string[];
  vehicleSoc: number[];
  vehicleKwh: (string | number)[];
  vehicleReported: (number | null)[];
  vehicleTemp: number[];
  vehicleQuality: string[];
  vehicleReason: (string | null)[];
}

/** What a flush's transaction answers: the rows STORE_READINGS returned and what the register derivation found. */
interface FlushResult {
  rows: StoredReadingRow[];
  /** Register readings already stored with other values (readingKey). */
  registerConflicts: Set<string>;
  /** Stored register readings whose step the flush changed. */
  revised: number;
  measured: MeasuredReading[];
}

/**
 * Group commit. Concurrent requests queue here and are stored together, one transaction per flush
 * (the devices' modes, register derivation, the store statement, revisions of stored register steps),
 * so that a storm of single-reading requests costs a few transactions rather than one each.
 * A flush starts as soon as a flush slot is free (after WRITER_LINGER_MS, to gather company) and
 * takes whole requests up to WRITER_MAX_FLUSH_READINGS. Each request is answered only after the
 * transaction holding it has committed; if it fails, nothing of it is stored and no request in it
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
    private readonly devices: DevicesService,
    private readonly registers: RegisterDeriver,
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
    // The first occurrence of a reading in the flush goes to the database; later ones are duplicates
    // (conflicts when their values differ from the first's).
    const firstClaims = new Map<string, { request: PendingRequest; reading: Reading }>();
    const conflictsBy = new Map<PendingRequest, number>();
    const claimed: Reading[] = [];
    for (const request of batch) {
      for (const reading of request.readings) {
        const key = readingKey(reading.kind, reading.deviceId, reading.instant.epochMicros);
        const first = firstClaims.get(key);
        if (first) {
          if (!sameValues(first.reading, reading)) {
            conflictsBy.set(request, (conflictsBy.get(request) ?? 0) + 1);
            this.reportConflict(reading);
          }
          continue;
        }
        firstClaims.set(key, { request, reading });
        claimed.push(reading);
      }
    }

    let flushed: FlushResult;
    const stopTimer = this.metrics.flushSeconds.startTimer();
    try {
      flushed = await this.dataSource.transaction((em) => this.storeClaimed(em, claimed));
    } catch (error) {
      this.handleFailedFlush(batch, error);
      return;
    } finally {
      stopTimer();
    }
    this.metrics.flushReadings.observe(firstClaims.size);

    const acks = new Map<PendingRequest, IngestAck>(
      batch.map((request) => [
        request,
        { accepted: 0, duplicates: 0, suspect: 0, conflicts: conflictsBy.get(request) ?? 0 },
      ]),
    );
    for (const row of flushed.rows) {
      const claim = firstClaims.get(readingKey(row.kind, row.device_id, row.micros));
      if (!claim) continue;
      const ack = acks.get(claim.request)!;
      if (row.outcome === 'stored') {
        ack.accepted += 1;
        if (row.quality === 'suspect') ack.suspect += 1;
      } else {
        ack.conflicts += 1;
        this.reportConflict(claim.reading);
      }
    }
    for (const key of flushed.registerConflicts) {
      const claim = firstClaims.get(key);
      if (!claim) continue;
      acks.get(claim.request)!.conflicts += 1;
      this.reportConflict(claim.reading);
    }
    for (const request of batch) {
      const ack = acks.get(request)!;
      ack.duplicates = request.readings.length - ack.accepted;
      request.resolve(ack);
    }
    this.countOutcomes(flushed, batch);
  }

  /**
   * One flush in one transaction: each reading measured by its device's mode at its timestamp
   * (interval: bounds only; register: steps derived under the device's lock), the new rows stored
   * with STORE_READINGS, then the register steps that the new readings changed revised.
   */
  private async storeClaimed(em: EntityManager, readings: Reading[]): Promise<FlushResult> {
    const bounds = boundsOf(this.config);
    const meterIds = [...new Set(readings.filter((r) => r.kind === 'meter').map((r) => r.deviceId))];
    const vehicleIds = [...new Set(readings.filter((r) => r.kind === 'vehicle').map((r) => r.deviceId))];
    const modes = await this.devices.modesOf(em, meterIds, vehicleIds);

    const measured: MeasuredReading[] = [];
    const groups = new Map<string, RegisterGroup>();
    for (const reading of readings) {
      const device = modes.get(deviceKey(reading.kind, reading.deviceId));
      const period = modeAt(device, reading.instant.epochMicros);
      if (period.mode === 'interval' || !device) {
        measured.push(measureInterval(reading, bounds));
        continue;
      }
      const groupKey = `${reading.kind}|${reading.deviceId}|${period.fromMicros ?? ''}`;
      let group = groups.get(groupKey);
      if (!group) {
        group = { kind: reading.kind, deviceId: reading.deviceId, ...period, device, readings: [] };
        groups.set(groupKey, group);
      }
      group.readings.push(reading);
    }
    const registerGroups = [...groups.values()].sort((a, b) =>
      `${a.kind}|${a.deviceId}`.localeCompare(`${b.kind}|${b.deviceId}`),
    );
    for (const group of registerGroups) {
      group.readings.sort((a, b) => (a.instant.epochMicros < b.instant.epochMicros ? -1 : 1));
    }
    const { outcome, revise } = await this.registers.derive(em, registerGroups, bounds);
    measured.push(...outcome.measured);

    const columns = emptyColumns();
    for (const item of measured) addToColumns(columns, item);
    const rows = await em.query<StoredReadingRow[]>(STORE_READINGS, toParameters(columns));
    rows.push(...(await this.conflictsAmongDuplicates(em, measured, rows)));
    await revise();
    return { rows, registerConflicts: outcome.conflicts, revised: outcome.revised, measured };
  }

  /** Of the measured readings STORE_READINGS did not store (duplicates), those stored with other values. */
  private async conflictsAmongDuplicates(
    em: EntityManager,
    measured: MeasuredReading[],
    stored: StoredReadingRow[],
  ): Promise<StoredReadingRow[]> {
    if (stored.length === measured.length) return [];
    const storedKeys = new Set(stored.map((row) => readingKey(row.kind, row.device_id, row.micros)));
    const duplicates = emptyColumns();
    for (const item of measured) {
      const { kind, deviceId, instant } = item.reading;
      if (!storedKeys.has(readingKey(kind, deviceId, instant.epochMicros))) addToColumns(duplicates, item);
    }
    return em.query<StoredReadingRow[]>(CONFLICTS_AMONG, toParameters(duplicates));
  }

  private reportConflict(reading: Reading): void {
    this.metrics.conflicts.inc({ kind: reading.kind });
    this.logger.warn({
      msg: 'conflicting duplicate: the reading already held is kept',
      kind: reading.kind,
      deviceId: reading.deviceId,
      timestamp: reading.instant.iso,
    });
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

  private countOutcomes(flushed: FlushResult, batch: PendingRequest[]): void {
    const accepted = { meter: 0, vehicle: 0 };
    for (const row of flushed.rows) if (row.outcome === 'stored') accepted[row.kind] += 1;
    const total = { meter: 0, vehicle: 0 };
    for (const request of batch) for (const reading of request.readings) total[reading.kind] += 1;
    for (const kind of ['meter', 'vehicle'] as const) {
      this.metrics.readings.inc({ kind, outcome: 'accepted' }, accepted[kind]);
      this.metrics.readings.inc({ kind, outcome: 'duplicate' }, total[kind] - accepted[kind]);
    }
    const stored = new Set(
      flushed.rows
        .filter((row) => row.outcome === 'stored')
        .map((row) => readingKey(row.kind, row.device_id, row.micros)),
    );
    for (const item of flushed.measured) {
      if (item.quality === 'ok') continue;
      const { kind, deviceId, instant } = item.reading;
      if (!stored.has(readingKey(kind, deviceId, instant.epochMicros))) continue;
      this.metrics.flagged.inc({ kind, quality: item.quality, reason: item.reason ?? 'unknown' });
    }
    if (flushed.revised > 0) this.metrics.registerRevisions.inc(flushed.revised);
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
    meterReported: [],
    meterVoltage: [],
    meterQuality: [],
    meterReason: [],
    vehicleIds: [],
    vehicleTs: [],
    vehicleSoc: [],
    vehicleKwh: [],
    vehicleReported: [],
    vehicleTemp: [],
    vehicleQuality: [],
    vehicleReason: [],
  };
}

function addToColumns(columns: FlushColumns, { reading, kwh, reported, quality, reason }: MeasuredReading): void {
  if (reading.kind === 'meter') {
    columns.meterIds.push(reading.deviceId);
    columns.meterTs.push(reading.instant.iso);
    columns.meterKwh.push(kwh);
    columns.meterReported.push(reported);
    columns.meterVoltage.push(reading.voltage);
    columns.meterQuality.push(quality);
    columns.meterReason.push(reason);
  } else {
    columns.vehicleIds.push(reading.deviceId);
    columns.vehicleTs.push(reading.instant.iso);
    columns.vehicleSoc.push(reading.soc);
    columns.vehicleKwh.push(kwh);
    columns.vehicleReported.push(reported);
    columns.vehicleTemp.push(reading.batteryTemp);
    columns.vehicleQuality.push(quality);
    columns.vehicleReason.push(reason);
  }
}

function toParameters(c: FlushColumns): unknown[] {
  return [
    c.meterIds,
    c.meterTs,
    c.meterKwh,
    c.meterReported,
    c.meterVoltage,
    c.meterQuality,
    c.meterReason,
    c.vehicleIds,
    c.vehicleTs,
    c.vehicleSoc,
    c.vehicleKwh,
    c.vehicleReported,
    c.vehicleTemp,
    c.vehicleQuality,
    c.vehicleReason,
  ];
}

/** The same reading sent twice with the same values (a plain duplicate, not a conflict). */
function sameValues(a: Reading, b: Reading): boolean {
  if (a.kind === 'meter' && b.kind === 'meter') return a.kwhConsumedAc === b.kwhConsumedAc && a.voltage === b.voltage;
  if (a.kind === 'vehicle' && b.kind === 'vehicle') {
    return a.soc === b.soc && a.kwhDeliveredDc === b.kwhDeliveredDc && a.batteryTemp === b.batteryTemp;
  }
  return false;
}

/** SQLSTATE classes 22 (data exception) and 23 (integrity constraint violation): the rows were at fault. */
function isDataError(error: unknown): boolean {
  const code = (error as { driverError?: { code?: unknown } } | null)?.driverError?.code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
}
