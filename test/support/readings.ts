import { randomUUID } from 'node:crypto';
import type { TestDb } from '../setup/test-db.ts';

/**
 * Readings as devices send them, unique per call (ids and timestamps), and the read-back of what
 * the service stored, so fault and fuzz tests can reconcile "acknowledged" with "stored" exactly.
 */

export interface MeterBody {
  meterId: string;
  kwhConsumedAc: number;
  voltage: number;
  timestamp: string;
}

export interface VehicleBody {
  vehicleId: string;
  soc: number;
  kwhDeliveredDc: number;
  batteryTemp: number;
  timestamp: string;
}

/** A run tag, so ids of overlapping runs and files never meet. */
const RUN = randomUUID().slice(0, 8);
let sequence = 0;
/** Unique instants, 1 ms apart, starting an hour ago (inside the partitions made ahead, never in the future). */
const BASE_MS = Date.now() - 60 * 60 * 1000;

export function uniqueId(prefix: string): string {
  sequence += 1;
  return `${prefix}-${RUN}-${sequence}`;
}

export function uniqueInstant(): string {
  sequence += 1;
  return new Date(BASE_MS + sequence).toISOString();
}

export function aMeterReading(overrides: Partial<MeterBody> = {}): MeterBody {
  return { meterId: uniqueId('m'), kwhConsumedAc: 1.25, voltage: 230.5, timestamp: uniqueInstant(), ...overrides };
}

export function aVehicleReading(overrides: Partial<VehicleBody> = {}): VehicleBody {
  return {
    vehicleId: uniqueId('v'),
    soc: 55.5,
    kwhDeliveredDc: 1.1,
    batteryTemp: 31.5,
    timestamp: uniqueInstant(),
    ...overrides,
  };
}

/** What identifies a stored reading and what it holds, in one comparable form. */
export interface StoredReading {
  /** `meter|<id>|<epoch µs>` or `vehicle|<id>|<epoch µs>`. */
  key: string;
  values: Record<string, number>;
}

const MICROS = `(extract(epoch FROM ts) * 1000000)::int8::text`;

/**
 * How many of these readings the default plausibility bounds flag suspect (SUSPECT_* defaults: kWh
 * above 100, voltage above 1500 V, battery temperature outside [−40, 100] °C), for interval devices.
 */
export function suspectCount(readings: StoredReading[]): number {
  return readings.filter(({ values: v }) =>
    'voltage' in v
      ? v.kwhConsumedAc! > 100 || v.voltage > 1500
      : v.kwhDeliveredDc! > 100 || v.batteryTemp! < -40 || v.batteryTemp! > 100,
  ).length;
}

/** Every history row of the database (both streams), in the comparable form: the values as sent. */
export async function storedReadings(db: TestDb): Promise<StoredReading[]> {
  const meters = await db.query<{ id: string; micros: string; kwh: string; voltage: number }>(
    `SELECT meter_id AS id, ${MICROS} AS micros, coalesce(reported_kwh, kwh_consumed_ac)::text AS kwh, voltage
     FROM meter_telemetry`,
  );
  const vehicles = await db.query<{ id: string; micros: string; soc: number; kwh: string; temp: number }>(
    `SELECT vehicle_id AS id, ${MICROS} AS micros, soc, coalesce(reported_kwh, kwh_delivered_dc)::text AS kwh,
            battery_temp AS temp
     FROM vehicle_telemetry`,
  );
  return [
    ...meters.map((r) => ({
      key: `meter|${r.id}|${r.micros}`,
      values: { kwhConsumedAc: Number(r.kwh), voltage: r.voltage },
    })),
    ...vehicles.map((r) => ({
      key: `vehicle|${r.id}|${r.micros}`,
      values: { soc: r.soc, kwhDeliveredDc: Number(r.kwh), batteryTemp: r.temp },
    })),
  ];
}

/**
 * The readings a body holds, as the service must store them if it acknowledges the body: computed
 * here from the JSON independently of the service's own parsing. Throws on anything that is not a
 * reading (a 201 for it would itself be the bug).
 */
export function readingsOf(body: unknown): StoredReading[] {
  const items = Array.isArray(body) ? (body as unknown[]) : [body];
  return items.map((item): StoredReading => {
    const r = item as Record<string, unknown>;
    if (typeof r.meterId === 'string') {
      return {
        key: `meter|${r.meterId}|${instantMicros(r.timestamp)}`,
        values: { kwhConsumedAc: r.kwhConsumedAc as number, voltage: r.voltage as number },
      };
    }
    if (typeof r.vehicleId === 'string') {
      return {
        key: `vehicle|${r.vehicleId}|${instantMicros(r.timestamp)}`,
        values: {
          soc: r.soc as number,
          kwhDeliveredDc: r.kwhDeliveredDc as number,
          batteryTemp: r.batteryTemp as number,
        },
      };
    }
    throw new Error(`not a reading: ${JSON.stringify(item).slice(0, 200)}`);
  });
}

/** Epoch microseconds of an ISO-8601 instant with a zone, up to 6 fractional digits. */
export function instantMicros(text: unknown): string {
  const match = typeof text === 'string' ? /^(.{19})(?:\.(\d{1,6}))?(Z|[+-]\d{2}:\d{2})$/.exec(text) : null;
  if (!match) throw new Error(`not an instant: ${String(text)}`);
  const [, wall, fraction = '', zone] = match;
  const ms = Date.parse(`${wall}${zone}`);
  if (Number.isNaN(ms)) throw new Error(`not an instant: ${String(text)}`);
  return String(BigInt(ms) * 1000n + BigInt(fraction.padEnd(6, '0')));
}

/**
 * Reconciles acknowledged readings with the database: every acknowledged reading is stored exactly
 * once with exactly the values sent, and (unless `others` is 'allowed', for readings whose outcome
 * the client never learnt) nothing else is stored. Returns the number of rows.
 */
export async function expectStoredExactly(
  db: TestDb,
  acknowledged: Iterable<StoredReading>,
  others: 'none' | 'allowed' = 'none',
): Promise<number> {
  const expected = new Map<string, Record<string, number>>();
  for (const reading of acknowledged) expected.set(reading.key, reading.values);
  const stored = await storedReadings(db);
  const times = new Map<string, number>();
  for (const row of stored) times.set(row.key, (times.get(row.key) ?? 0) + 1);
  const missing = [...expected.keys()].filter((key) => !times.has(key));
  const repeated = [...times].filter(([, n]) => n > 1).map(([key]) => key);
  const unexpected = others === 'allowed' ? [] : stored.filter((row) => !expected.has(row.key)).map((row) => row.key);
  const wrongValues = stored
    .filter((row) => expected.has(row.key))
    .filter((row) => !sameValues(row.values, expected.get(row.key)!))
    .map((row) => ({ key: row.key, stored: row.values, sent: expected.get(row.key) }));
  expect({ missing, repeated, unexpected, wrongValues }).toEqual({
    missing: [],
    repeated: [],
    unexpected: [],
    wrongValues: [],
  });
  return stored.length;
}

function sameValues(stored: Record<string, number>, sent: Record<string, number>): boolean {
  const names = new Set([...Object.keys(stored), ...Object.keys(sent)]);
  // -0 is sent as "0" and stored as 0: compare with ===, not Object.is.
  return [...names].every((name) => stored[name] === sent[name]);
}
