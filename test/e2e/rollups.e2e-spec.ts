import { DataSource } from 'typeorm';
import { HourlyRollups1795713961996 } from '../../migrations/1795713961996-hourly-rollups.ts';
import { MeasurementModel1796200000000 } from '../../migrations/1796200000000-measurement-model.ts';
import { PartitionMaintainer } from '../../src/database/partition-maintainer.ts';
import { STORE_READINGS } from '../../src/telemetry/telemetry.sql.ts';
import { aMeterRow, aVehicleRow, insertMeterHistory, insertVehicleHistory } from '../builders/history.builder.ts';
import { meterReading, vehicleReading } from '../builders/readings.builder.ts';
import { createTestApp, type TestApp } from '../setup/test-app.ts';
import type { TestDb } from '../setup/test-db.ts';
import { postTelemetry } from '../support/api.ts';

/**
 * The hourly roll-ups (meter_hourly, vehicle_hourly) must always equal the raw sums of their hour:
 * the writer's statement adds exactly the rows its history INSERT stored. Every test ends by
 * comparing the whole roll-up tables with GROUP BY over the raw history tables.
 */

/** The pinned "now"; partitions exist for 7 days either side of it. */
const NOW = new Date('2026-03-15T12:00:00.000Z');

interface RollupMismatch {
  stream: string;
  device: string;
  hour: Date;
  raw: string | null;
  rolled: string | null;
}

/**
 * Every (device, UTC hour) whose roll-up differs from the raw history: kWh exactly (NUMERIC), the
 * number of readings, and the battery-temperature sum (a float sum: the same up to rounding).
 */
const ROLLUP_MISMATCHES = `
WITH raw_meter AS (
  SELECT meter_id AS device, date_trunc('hour', ts, 'UTC') AS hour, sum(kwh_consumed_ac) AS kwh, count(*)::int AS n
  FROM meter_telemetry GROUP BY meter_id, date_trunc('hour', ts, 'UTC')
),
raw_vehicle AS (
  SELECT vehicle_id AS device, date_trunc('hour', ts, 'UTC') AS hour, sum(kwh_delivered_dc) AS kwh,
         sum(battery_temp) AS temp, count(*)::int AS n
  FROM vehicle_telemetry GROUP BY vehicle_id, date_trunc('hour', ts, 'UTC')
),
rolled_meter AS (SELECT meter_id AS device, hour, kwh, readings AS n FROM meter_hourly),
rolled_vehicle AS (SELECT vehicle_id AS device, hour, kwh, battery_temp_sum AS temp, readings AS n FROM vehicle_hourly)
SELECT 'meter' AS stream, device, hour, raw.kwh || ' kWh in ' || raw.n AS raw, rolled.kwh || ' kWh in ' || rolled.n AS rolled
FROM raw_meter raw FULL JOIN rolled_meter rolled USING (device, hour)
WHERE raw.kwh IS DISTINCT FROM rolled.kwh OR raw.n IS DISTINCT FROM rolled.n
UNION ALL
SELECT 'vehicle', device, hour, raw.kwh || ' kWh, ' || raw.temp || ' °C in ' || raw.n,
       rolled.kwh || ' kWh, ' || rolled.temp || ' °C in ' || rolled.n
FROM raw_vehicle raw FULL JOIN rolled_vehicle rolled USING (device, hour)
WHERE raw.kwh IS DISTINCT FROM rolled.kwh OR raw.n IS DISTINCT FROM rolled.n
   OR raw.temp IS NULL OR rolled.temp IS NULL OR abs(raw.temp - rolled.temp) > 1e-9 * greatest(1, abs(raw.temp))
`;

/** Roll-ups equal the raw sums everywhere; answers how many roll-up rows there are (so "equal" is never vacuous). */
async function expectRollupsMatchRaw(db: TestDb): Promise<{ meterHours: number; vehicleHours: number }> {
  expect(await db.query<RollupMismatch & Record<string, unknown>>(ROLLUP_MISMATCHES)).toEqual([]);
  return { meterHours: await db.count('meter_hourly'), vehicleHours: await db.count('vehicle_hourly') };
}

interface MeterHour {
  hour: string;
  kwh: string;
  readings: number;
}

async function meterHours(db: TestDb, meterId: string): Promise<MeterHour[]> {
  return db.query<MeterHour & Record<string, unknown>>(
    `SELECT to_char(hour AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI"Z"') AS hour, kwh::text AS kwh, readings
     FROM meter_hourly WHERE meter_id = $1 ORDER BY hour`,
    [meterId],
  );
}

async function vehicleHours(db: TestDb, vehicleId: string): Promise<Array<MeterHour & { temp: number }>> {
  return db.query<MeterHour & { temp: number } & Record<string, unknown>>(
    `SELECT to_char(hour AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI"Z"') AS hour, kwh::text AS kwh,
            battery_temp_sum AS temp, readings
     FROM vehicle_hourly WHERE vehicle_id = $1 ORDER BY hour`,
    [vehicleId],
  );
}

let seq = 0;
const uniqueId = (kind: string): string => `ru-${kind}-${++seq}`;

describe('hourly roll-ups kept by the writer', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ now: NOW });
  });
  afterAll(async () => {
    await t.close();
  });
  afterEach(async () => {
    await expectRollupsMatchRaw(t.db);
  });

  it("adds a single reading to its device's UTC hour", async () => {
    const meterId = uniqueId('met');
    const vehicleId = uniqueId('veh');

    await postTelemetry(t, meterReading(meterId, '2026-03-15T10:17:00Z', 0.125));
    await postTelemetry(t, vehicleReading(vehicleId, '2026-03-15T10:17:00Z', 0.1, 21.5));

    expect(await meterHours(t.db, meterId)).toEqual([{ hour: '2026-03-15T10:00Z', kwh: '0.125', readings: 1 }]);
    expect(await vehicleHours(t.db, vehicleId)).toEqual([
      { hour: '2026-03-15T10:00Z', kwh: '0.1', temp: 21.5, readings: 1 },
    ]);
  });

  it('sums a batch per device and hour exactly, hour boundaries and offsets included', async () => {
    const meterId = uniqueId('met');
    const vehicleId = uniqueId('veh');

    expect(
      await postTelemetry(t, [
        meterReading(meterId, '2026-03-15T09:00:00Z', 0.1), // the hour's first instant
        meterReading(meterId, '2026-03-15T09:59:59.999999Z', 0.2), // its last
        meterReading(meterId, '2026-03-15T10:00:00Z', 0.4), // the next hour
        meterReading(meterId, '2026-03-15T15:45:00+05:30', 0.7), // 10:15Z: a local :45 is a UTC :15
        vehicleReading(vehicleId, '2026-03-15T09:10:00Z', 0.05, 20),
        vehicleReading(vehicleId, '2026-03-15T09:20:00Z', 0.25, 30.25),
        vehicleReading(vehicleId, '2026-03-15T05:30:00-04:00', 0.6, 40), // 09:30Z
      ]),
    ).toEqual({ accepted: 7, duplicates: 0, suspect: 0, conflicts: 0 });

    expect(await meterHours(t.db, meterId)).toEqual([
      { hour: '2026-03-15T09:00Z', kwh: '0.3', readings: 2 },
      { hour: '2026-03-15T10:00Z', kwh: '1.1', readings: 2 },
    ]);
    expect(await vehicleHours(t.db, vehicleId)).toEqual([
      { hour: '2026-03-15T09:00Z', kwh: '0.90', temp: 90.25, readings: 3 },
    ]);
  });

  it('counts a reading repeated within a batch once', async () => {
    const meterId = uniqueId('met');
    const vehicleId = uniqueId('veh');
    const twice = [
      meterReading(meterId, '2026-03-15T08:05:00Z', 1.5),
      vehicleReading(vehicleId, '2026-03-15T08:05:00Z', 1.25, 30),
    ];

    expect(
      await postTelemetry(t, [...twice, ...twice, meterReading(meterId, '2026-03-15T08:05:00.000Z', 1.5)]),
    ).toEqual({
      accepted: 2,
      duplicates: 3,
      suspect: 0,
      conflicts: 0,
    });

    expect(await meterHours(t.db, meterId)).toEqual([{ hour: '2026-03-15T08:00Z', kwh: '1.5', readings: 1 }]);
    expect(await vehicleHours(t.db, vehicleId)).toEqual([
      { hour: '2026-03-15T08:00Z', kwh: '1.25', temp: 30, readings: 1 },
    ]);
  });

  it('counts a reading sent again in a later request once, even with other values (the first one stored wins)', async () => {
    const meterId = uniqueId('met');
    await postTelemetry(t, [
      meterReading(meterId, '2026-03-15T07:01:00Z', 2),
      meterReading(meterId, '2026-03-15T07:02:00Z', 3),
    ]);

    expect(
      await postTelemetry(t, [
        meterReading(meterId, '2026-03-15T07:01:00Z', 2), // the same reading again
        meterReading(meterId, '2026-03-15T08:02:00+01:00', 99), // the same instant, other values
        meterReading(meterId, '2026-03-15T07:03:00Z', 4), // new
      ]),
    ).toEqual({ accepted: 1, duplicates: 2, suspect: 0, conflicts: 1 });

    expect(await meterHours(t.db, meterId)).toEqual([{ hour: '2026-03-15T07:00Z', kwh: '9', readings: 3 }]);
  });

  it('puts a late reading into its own earlier hour, leaving the later hours as they were', async () => {
    const vehicleId = uniqueId('veh');
    await postTelemetry(t, [
      vehicleReading(vehicleId, '2026-03-15T11:30:00Z', 1, 30),
      vehicleReading(vehicleId, '2026-03-15T11:31:00Z', 1, 30),
    ]);

    await postTelemetry(t, vehicleReading(vehicleId, '2026-03-15T06:59:00Z', 0.5, 10)); // hours late
    await postTelemetry(t, vehicleReading(vehicleId, '2026-03-12T23:00:00Z', 0.25, 12)); // days late
    await postTelemetry(t, vehicleReading(vehicleId, '2026-03-15T06:00:00Z', 0.5, 14)); // the same late hour again

    expect(await vehicleHours(t.db, vehicleId)).toEqual([
      { hour: '2026-03-12T23:00Z', kwh: '0.25', temp: 12, readings: 1 },
      { hour: '2026-03-15T06:00Z', kwh: '1.0', temp: 24, readings: 2 },
      { hour: '2026-03-15T11:00Z', kwh: '2', temp: 60, readings: 2 },
    ]);
  });

  it('puts a reading older than every partition (default partition) into its hour too', async () => {
    const meterId = uniqueId('met');

    await postTelemetry(t, meterReading(meterId, '2025-12-31T23:59:59Z', 0.3));

    expect(await t.db.count('meter_telemetry_default', 'meter_id = $1', [meterId])).toBe(1);
    expect(await meterHours(t.db, meterId)).toEqual([{ hour: '2025-12-31T23:00Z', kwh: '0.3', readings: 1 }]);
  });

  it('sums a large mixed batch (100 devices × 50 minutes across two hours) exactly', async () => {
    const readings: object[] = [];
    const devices = Array.from({ length: 50 }, () => ({ meter: uniqueId('met'), vehicle: uniqueId('veh') }));
    for (const { meter, vehicle } of devices) {
      for (let minute = 0; minute < 50; minute += 1) {
        const ts = new Date(Date.parse('2026-03-15T04:35:00Z') + minute * 60_000).toISOString();
        readings.push(
          meterReading(meter, ts, (10 + minute) / 1000),
          vehicleReading(vehicle, ts, 0.009, 20 + (minute % 7) / 4),
        );
      }
    }

    expect(await postTelemetry(t, readings)).toEqual({ accepted: 5000, duplicates: 0, suspect: 0, conflicts: 0 });

    const [first] = devices;
    expect(await meterHours(t.db, first!.meter)).toEqual([
      // 04:35..04:59: 25 readings, 0.01 × 25 + (0 + … + 24) / 1000 = 0.25 + 0.3
      { hour: '2026-03-15T04:00Z', kwh: '0.550', readings: 25 },
      // 05:00..05:24: 0.25 + (25 + … + 49) / 1000 = 0.25 + 0.925
      { hour: '2026-03-15T05:00Z', kwh: '1.175', readings: 25 },
    ]);
  });

  it('keeps roll-ups exact under concurrent requests that overlap (duplicates across requests, the same device-hours)', async () => {
    // 8 meters and 8 vehicles, 30 minutes each across an hour boundary: 480 distinct readings.
    const meters = Array.from({ length: 8 }, () => uniqueId('met'));
    const vehicles = Array.from({ length: 8 }, () => uniqueId('veh'));
    const pool: object[] = [];
    for (let minute = 0; minute < 30; minute += 1) {
      const ts = new Date(Date.parse('2026-03-15T02:45:00Z') + minute * 60_000).toISOString();
      meters.forEach((id, i) => pool.push(meterReading(id, ts, ((i + 1) * 100 + minute) / 10_000)));
      vehicles.forEach((id, i) => pool.push(vehicleReading(id, ts, (i + 1) / 200, 15 + i)));
    }
    // 60 requests of 40 readings picked with overlap (each reading 5 times in all, in different requests).
    const requests = Array.from({ length: 60 }, (_, r) =>
      Array.from({ length: 40 }, (_, k) => pool[(r * 37 + k * 61) % pool.length]!),
    );
    const sent = requests.reduce((n, body) => n + body.length, 0);

    const acks = await Promise.all(requests.map((body) => postTelemetry(t, body)));

    const accepted = acks.reduce((n, ack) => n + ack.accepted, 0);
    const duplicates = acks.reduce((n, ack) => n + ack.duplicates, 0);
    const distinct = new Set(requests.flat().map((reading) => JSON.stringify(reading))).size;
    expect({ accepted, duplicates }).toEqual({ accepted: distinct, duplicates: sent - distinct });
    const [row] = await t.db.query<{ n: number }>(
      `SELECT (SELECT coalesce(sum(readings), 0) FROM meter_hourly WHERE meter_id = ANY($1))
            + (SELECT coalesce(sum(readings), 0) FROM vehicle_hourly WHERE vehicle_id = ANY($2))::int AS n`,
      [meters, vehicles],
    );
    expect(Number(row!.n)).toBe(distinct);
  });
});

describe('hourly roll-ups under many small concurrent flushes', () => {
  let t: TestApp;
  beforeAll(async () => {
    // Small flushes, several at once: the same roll-up rows are upserted by overlapping transactions.
    t = await createTestApp({
      now: NOW,
      env: { WRITER_MAX_FLUSH_READINGS: '20', WRITER_MAX_CONCURRENT_FLUSHES: '6', WRITER_LINGER_MS: '0' },
    });
  });
  afterAll(async () => {
    await t.close();
  });

  it('neither deadlocks nor loses or double-counts a reading', async () => {
    const meters = Array.from({ length: 4 }, () => uniqueId('met'));
    const vehicles = Array.from({ length: 4 }, () => uniqueId('veh'));
    const pool: object[] = [];
    for (let minute = 0; minute < 90; minute += 1) {
      const ts = new Date(Date.parse('2026-03-15T00:30:00Z') + minute * 60_000).toISOString();
      meters.forEach((id) => pool.push(meterReading(id, ts, 0.05)));
      vehicles.forEach((id) => pool.push(vehicleReading(id, ts, 0.04, 25.5)));
    }
    // Every reading three times, in three different requests; requests in both orders of devices.
    const requests = Array.from({ length: 72 }, (_, r) => {
      const body = Array.from({ length: 30 }, (_, k) => pool[(r * 30 + k) % pool.length]!);
      return r % 2 === 0 ? body : body.reverse();
    });

    const acks = await Promise.all(requests.map((body) => postTelemetry(t, body)));

    expect(acks.reduce((n, ack) => n + ack.accepted, 0)).toBe(pool.length);
    const { meterHours: hours } = await expectRollupsMatchRaw(t.db);
    expect(hours).toBe(4 * 2); // 00:30–01:59: two hours per meter
    expect(await meterHours(t.db, meters[0]!)).toEqual([
      { hour: '2026-03-15T00:00Z', kwh: '1.50', readings: 30 },
      { hour: '2026-03-15T01:00Z', kwh: '3.00', readings: 60 },
    ]);
  });
});

describe('the writer statement in another session time zone', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ now: NOW });
  });
  afterAll(async () => {
    await t.close();
  });

  it('rolls readings up into UTC hours whatever the session time zone (Asia/Kolkata is UTC+05:30)', async () => {
    const meterId = uniqueId('met');
    const vehicleId = uniqueId('veh');
    const dataSource = t.app.get(DataSource);

    await dataSource.transaction(async (em) => {
      await em.query(`SET LOCAL timezone = 'Asia/Kolkata'`);
      await em.query(STORE_READINGS, [
        [meterId, meterId],
        ['2026-03-15T10:10:00Z', '2026-03-15T10:40:00Z'],
        [1, 2],
        [null, null],
        [230, 230],
        ['ok', 'ok'],
        [null, null],
        [vehicleId],
        ['2026-03-15T10:40:00Z'],
        [50],
        [0.5],
        [null],
        [20],
        ['ok'],
        [null],
      ]);
    });

    expect(await meterHours(t.db, meterId)).toEqual([{ hour: '2026-03-15T10:00Z', kwh: '3', readings: 2 }]);
    expect(await vehicleHours(t.db, vehicleId)).toEqual([
      { hour: '2026-03-15T10:00Z', kwh: '0.5', temp: 20, readings: 1 },
    ]);
    await expectRollupsMatchRaw(t.db);
  });
});

describe('the hourly-rollups migration', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ now: NOW });
  });
  afterAll(async () => {
    await t.close();
  });

  it('backfills the roll-ups from the history already stored, and its down() removes them', async () => {
    // History written around the writer (as before the migration existed): no roll-ups for it yet.
    await insertMeterHistory(
      t.db,
      [
        aMeterRow({ meterId: 'bf-met', ts: '2026-03-14T22:15:00Z', kwhConsumedAc: '0.1' }),
        aMeterRow({ meterId: 'bf-met', ts: '2026-03-14T22:45:00Z', kwhConsumedAc: '0.2' }),
        aMeterRow({ meterId: 'bf-met', ts: '2026-03-14T23:00:00Z', kwhConsumedAc: '0.4' }),
        aMeterRow({ meterId: 'bf-met', ts: '2025-01-01T00:30:00Z', kwhConsumedAc: '5' }), // default partition
      ],
      { rollUp: false },
    );
    await insertVehicleHistory(
      t.db,
      [
        aVehicleRow({ vehicleId: 'bf-veh', ts: '2026-03-14T22:15:00Z', kwhDeliveredDc: '0.25', batteryTemp: 20 }),
        aVehicleRow({ vehicleId: 'bf-veh', ts: '2026-03-14T22:16:00Z', kwhDeliveredDc: '0.05', batteryTemp: 22.5 }),
      ],
      { rollUp: false },
    );
    await postTelemetry(t, meterReading('bf-met', '2026-03-15T11:00:00Z', 1)); // through the writer: rolled up
    expect(await meterHours(t.db, 'bf-met')).toEqual([{ hour: '2026-03-15T11:00Z', kwh: '1', readings: 1 }]);

    const migration = new HourlyRollups1795713961996();
    // The later measurement-model migration adds a column to the roll-ups: it is undone first and redone after.
    const later = new MeasurementModel1796200000000();
    const runner = t.app.get(DataSource).createQueryRunner();
    try {
      await later.down(runner);
      await migration.down(runner);
      expect(await t.db.count('pg_class', "relname IN ('meter_hourly', 'vehicle_hourly')")).toBe(0);
      await migration.up(runner);
      await later.up(runner);
    } finally {
      await runner.release();
    }

    expect(await meterHours(t.db, 'bf-met')).toEqual([
      { hour: '2025-01-01T00:00Z', kwh: '5', readings: 1 },
      { hour: '2026-03-14T22:00Z', kwh: '0.3', readings: 2 },
      { hour: '2026-03-14T23:00Z', kwh: '0.4', readings: 1 },
      { hour: '2026-03-15T11:00Z', kwh: '1', readings: 1 },
    ]);
    expect(await vehicleHours(t.db, 'bf-veh')).toEqual([
      { hour: '2026-03-14T22:00Z', kwh: '0.30', temp: 42.5, readings: 2 },
    ]);
    expect(await expectRollupsMatchRaw(t.db)).toEqual({ meterHours: 4, vehicleHours: 1 });
    // And the writer keeps adding to the backfilled rows.
    await postTelemetry(t, meterReading('bf-met', '2026-03-14T23:30:00Z', 0.5));
    expect((await meterHours(t.db, 'bf-met'))[2]).toEqual({ hour: '2026-03-14T23:00Z', kwh: '0.9', readings: 2 });
    await expectRollupsMatchRaw(t.db);
  });
});

describe('hourly roll-ups with RETENTION_DAYS=3', () => {
  const START = new Date('2026-03-12T12:00:00.000Z');
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ now: START, env: { RETENTION_DAYS: '3' } });
  });
  afterAll(async () => {
    await t.close();
  });

  it("deletes the roll-ups of the dropped days with them, and keeps the cutoff day's", async () => {
    await postTelemetry(t, [
      meterReading('ret-met', '2026-03-10T08:00:00Z', 1), // expires
      meterReading('ret-met', '2026-03-11T23:59:59.999999Z', 2), // the last instant before the cutoff day: expires
      meterReading('ret-met', '2026-03-12T00:00:00Z', 4), // the cutoff day's first instant: kept
      vehicleReading('ret-veh', '2026-03-11T12:00:00Z', 1),
      vehicleReading('ret-veh', '2026-03-12T12:00:00Z', 2),
    ]);
    expect(await meterHours(t.db, 'ret-met')).toHaveLength(3);

    t.clock.set('2026-03-15T12:00:00Z'); // cutoff: 2026-03-12
    await t.app.get(PartitionMaintainer).maintain();

    expect(await meterHours(t.db, 'ret-met')).toEqual([{ hour: '2026-03-12T00:00Z', kwh: '4', readings: 1 }]);
    expect(await vehicleHours(t.db, 'ret-veh')).toEqual([
      { hour: '2026-03-12T12:00Z', kwh: '2', temp: 25, readings: 1 },
    ]);
    await expectRollupsMatchRaw(t.db);
  });
});
