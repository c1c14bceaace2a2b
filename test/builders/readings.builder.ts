import { randomUUID } from 'node:crypto';
import type { TestDb } from '../setup/test-db.ts';

/**
 * Telemetry request bodies as devices send them, and the rows the service stores for them.
 * Every builder call makes a new device id, so tests never see each other's readings.
 */

/** A smart meter's reading, as POSTed. */
export interface MeterReadingBody {
  meterId: string;
  kwhConsumedAc: number;
  voltage: number;
  timestamp: string;
}

/** A vehicle's reading, as POSTed. */
export interface VehicleReadingBody {
  vehicleId: string;
  soc: number;
  kwhDeliveredDc: number;
  batteryTemp: number;
  timestamp: string;
}

/** Overrides may carry any value (a string for a number, an unknown field) so that invalid bodies stay typed. */
type Built<T, O> = Omit<T, keyof O> & O;

/** A unique device id: `<kind>-<uuid>` (42 characters, within the 64 allowed). */
export const aDeviceId = (kind: 'meter' | 'vehicle'): string => `${kind}-${randomUUID()}`;

/** One minute ago, to the millisecond, in UTC: recent enough for its day partition, far from the future limit. */
export const recentTimestamp = (): string => new Date(Date.now() - 60_000).toISOString();

export function aMeterReading<O extends object = object>(overrides: O = {} as O): Built<MeterReadingBody, O> {
  const reading: MeterReadingBody = {
    meterId: aDeviceId('meter'),
    kwhConsumedAc: 1.25,
    voltage: 230,
    timestamp: recentTimestamp(),
  };
  return { ...reading, ...overrides };
}

export function aVehicleReading<O extends object = object>(overrides: O = {} as O): Built<VehicleReadingBody, O> {
  const reading: VehicleReadingBody = {
    vehicleId: aDeviceId('vehicle'),
    soc: 55.5,
    kwhDeliveredDc: 1.05,
    batteryTemp: 24.5,
    timestamp: recentTimestamp(),
  };
  return { ...reading, ...overrides };
}

/** A copy of `body` without the named fields (a missing-field case). */
export function without<T extends object, K extends keyof T>(body: T, ...fields: K[]): Omit<T, K> {
  const copy: Partial<T> = { ...body };
  for (const field of fields) delete copy[field];
  return copy as Omit<T, K>;
}

/** A whole-second instant `minutes` before now (a base for series of readings of one device). */
export function minutesAgo(minutes: number): Date {
  return new Date(Math.floor(Date.now() / 1000) * 1000 - minutes * 60_000);
}

/** `base` moved by `seconds`, as an ISO-8601 UTC string (`…Z`). */
export function isoAt(base: Date, seconds: number): string {
  return new Date(base.getTime() + seconds * 1000).toISOString();
}

/**
 * The same instant written in another zone: `withOffset(10:00Z, 120)` is `12:00:00+02:00`.
 * `fraction` is appended after the seconds as given (e.g. '.123456'), so the instant moves by it.
 */
export function withOffset(instant: Date, offsetMinutes: number, fraction = ''): string {
  const local = new Date(instant.getTime() + offsetMinutes * 60_000).toISOString().slice(0, 19);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  const hh = String(Math.floor(abs / 60)).padStart(2, '0');
  const mm = String(abs % 60).padStart(2, '0');
  return `${local}${fraction}${sign}${hh}:${mm}`;
}

/** Fisher–Yates, on a copy. */
export function shuffled<T>(items: readonly T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

// Reading back. Timestamps come back in UTC with microseconds; NUMERIC energy (a string from pg) as a number.

export interface StoredMeterRow {
  meterId: string;
  ts: string;
  kwhConsumedAc: number;
  voltage: number;
}

export interface StoredVehicleRow {
  vehicleId: string;
  ts: string;
  soc: number;
  kwhDeliveredDc: number;
  batteryTemp: number;
}

const UTC_MICROS = `'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'`;

type MeterTable = 'meter_telemetry' | 'meter_live_status';
type VehicleTable = 'vehicle_telemetry' | 'vehicle_live_status';

/** A meter's rows in history (oldest first) or its live row. */
export async function meterRows(db: TestDb, table: MeterTable, meterId: string): Promise<StoredMeterRow[]> {
  return db.query<StoredMeterRow & Record<string, unknown>>(
    `SELECT meter_id AS "meterId", to_char(ts AT TIME ZONE 'UTC', ${UTC_MICROS}) AS ts,
            kwh_consumed_ac::float8 AS "kwhConsumedAc", voltage
     FROM ${table} WHERE meter_id = $1 ORDER BY ts`,
    [meterId],
  );
}

/** A vehicle's rows in history (oldest first) or its live row. */
export async function vehicleRows(db: TestDb, table: VehicleTable, vehicleId: string): Promise<StoredVehicleRow[]> {
  return db.query<StoredVehicleRow & Record<string, unknown>>(
    `SELECT vehicle_id AS "vehicleId", to_char(ts AT TIME ZONE 'UTC', ${UTC_MICROS}) AS ts,
            soc, kwh_delivered_dc::float8 AS "kwhDeliveredDc", battery_temp AS "batteryTemp"
     FROM ${table} WHERE vehicle_id = $1 ORDER BY ts`,
    [vehicleId],
  );
}

/** What a stored row should look like for a reading sent with a `…Z` timestamp of millisecond precision. */
export function asStoredMeter(reading: MeterReadingBody): StoredMeterRow {
  return {
    meterId: reading.meterId,
    ts: toMicros(reading.timestamp),
    kwhConsumedAc: reading.kwhConsumedAc,
    voltage: reading.voltage,
  };
}

export function asStoredVehicle(reading: VehicleReadingBody): StoredVehicleRow {
  return {
    vehicleId: reading.vehicleId,
    ts: toMicros(reading.timestamp),
    soc: reading.soc,
    kwhDeliveredDc: reading.kwhDeliveredDc,
    batteryTemp: reading.batteryTemp,
  };
}

/** `2026-11-26T10:00:00.123Z` → `2026-11-26T10:00:00.123000Z` (how the read-back helpers print instants). */
export function toMicros(isoUtcMillis: string): string {
  return new Date(isoUtcMillis).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** Rows in all four telemetry tables, for "nothing at all was stored" checks. */
export async function telemetryRowCount(db: TestDb): Promise<number> {
  const counts = await Promise.all(
    ['meter_telemetry', 'meter_live_status', 'vehicle_telemetry', 'vehicle_live_status'].map((table) =>
      db.count(table),
    ),
  );
  return counts.reduce((sum, n) => sum + n, 0);
}

/**
 * A meter's reading with the values a test chooses, in the field order devices send
 * (for analytics, roll-up and partition tests, whose data is pinned, not unique per call).
 */
export function meterReading(
  meterId: string,
  timestamp: string,
  kwhConsumedAc: number,
  voltage = 230,
): MeterReadingBody {
  return { meterId, kwhConsumedAc, voltage, timestamp };
}

/** A vehicle's reading with the values a test chooses, in the field order devices send. */
export function vehicleReading(
  vehicleId: string,
  timestamp: string,
  kwhDeliveredDc: number,
  batteryTemp = 25,
  soc = 50,
): VehicleReadingBody {
  return { vehicleId, soc, kwhDeliveredDc, batteryTemp, timestamp };
}
