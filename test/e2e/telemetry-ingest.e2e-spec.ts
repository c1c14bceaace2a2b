import request from 'supertest';
import {
  aDeviceId,
  aMeterReading,
  asStoredMeter,
  asStoredVehicle,
  aVehicleReading,
  isoAt,
  meterRows,
  minutesAgo,
  vehicleRows,
  withOffset,
} from '../builders/readings.builder.ts';
import { createTestApp, type TestApp } from '../setup/test-app.ts';

/**
 * Single readings through POST /v1/telemetry: what lands in history and in the live row, how
 * re-sent and late readings are handled, and that instants are stored exactly.
 */
describe('POST /v1/telemetry ingestion', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });
  beforeEach(() => {
    t.clock.set(new Date()); // the builders' "recent" timestamps stay in the past however long the run takes
  });

  const post = (body: object) => request(t.server).post('/v1/telemetry').send(body);

  describe('meter readings', () => {
    it('stores a reading in history and as the live row, with exact values, and acknowledges it', async () => {
      const reading = aMeterReading({ kwhConsumedAc: 0.4375, voltage: 231.7 });

      const res = await post(reading).expect(201);

      expect(res.body).toEqual({ accepted: 1, duplicates: 0, suspect: 0, conflicts: 0 });
      expect(await meterRows(t.db, 'meter_telemetry', reading.meterId)).toEqual([asStoredMeter(reading)]);
      expect(await meterRows(t.db, 'meter_live_status', reading.meterId)).toEqual([asStoredMeter(reading)]);
    });

    it('records when the reading was received, in history and live alike', async () => {
      const [{ start }] = (await t.db.query<{ start: Date }>('SELECT now() AS start')) as [{ start: Date }];
      const reading = aMeterReading();

      await post(reading).expect(201);

      const [row] = await t.db.query<{ after_start: boolean; not_future: boolean; live_same: boolean }>(
        `SELECT history.received_at >= $2 AS after_start, history.received_at <= now() AS not_future,
                live.received_at = history.received_at AS live_same
         FROM meter_telemetry history JOIN meter_live_status live USING (meter_id, ts) WHERE meter_id = $1`,
        [reading.meterId, start],
      );
      expect(row).toEqual({ after_start: true, not_future: true, live_same: true });
    });

    it('appends a later reading to history and moves the live row forward', async () => {
      const meterId = aDeviceId('meter');
      const base = minutesAgo(10);
      const first = aMeterReading({ meterId, timestamp: isoAt(base, 0), kwhConsumedAc: 1.1, voltage: 229 });
      const second = aMeterReading({ meterId, timestamp: isoAt(base, 60), kwhConsumedAc: 2.2, voltage: 231 });

      await post(first).expect(201);
      const res = await post(second).expect(201);

      expect(res.body).toEqual({ accepted: 1, duplicates: 0, suspect: 0, conflicts: 0 });
      expect(await meterRows(t.db, 'meter_telemetry', meterId)).toEqual([asStoredMeter(first), asStoredMeter(second)]);
      expect(await meterRows(t.db, 'meter_live_status', meterId)).toEqual([asStoredMeter(second)]);
    });

    it('stores a late (older) reading in history but keeps the newer live row', async () => {
      const meterId = aDeviceId('meter');
      const base = minutesAgo(10);
      const newer = aMeterReading({ meterId, timestamp: isoAt(base, 120), kwhConsumedAc: 3.3, voltage: 232 });
      const late = aMeterReading({ meterId, timestamp: isoAt(base, 0), kwhConsumedAc: 9.9, voltage: 219 });

      await post(newer).expect(201);
      const res = await post(late).expect(201);

      expect(res.body).toEqual({ accepted: 1, duplicates: 0, suspect: 0, conflicts: 0 });
      expect(await meterRows(t.db, 'meter_telemetry', meterId)).toEqual([asStoredMeter(late), asStoredMeter(newer)]);
      expect(await meterRows(t.db, 'meter_live_status', meterId)).toEqual([asStoredMeter(newer)]);
    });

    it('acknowledges the same reading sent twice as a duplicate and stores it once', async () => {
      const reading = aMeterReading();

      const first = await post(reading).expect(201);
      const again = await post(reading).expect(201);

      expect(first.body).toEqual({ accepted: 1, duplicates: 0, suspect: 0, conflicts: 0 });
      expect(again.body).toEqual({ accepted: 0, duplicates: 1, suspect: 0, conflicts: 0 });
      expect(await meterRows(t.db, 'meter_telemetry', reading.meterId)).toEqual([asStoredMeter(reading)]);
      expect(await meterRows(t.db, 'meter_live_status', reading.meterId)).toEqual([asStoredMeter(reading)]);
    });

    it('keeps the first of two readings with the same meter and timestamp, in history and live', async () => {
      const first = aMeterReading({ kwhConsumedAc: 1.5, voltage: 230 });
      const conflicting = { ...first, kwhConsumedAc: 7.5, voltage: 240 };

      await post(first).expect(201);
      const res = await post(conflicting).expect(201);

      expect(res.body).toEqual({ accepted: 0, duplicates: 1, suspect: 0, conflicts: 1 });
      expect(await meterRows(t.db, 'meter_telemetry', first.meterId)).toEqual([asStoredMeter(first)]);
      expect(await meterRows(t.db, 'meter_live_status', first.meterId)).toEqual([asStoredMeter(first)]);
    });

    it('keeps billing sums exact: ten readings of 0.1 kWh sum to exactly 1 kWh', async () => {
      const meterId = aDeviceId('meter');
      const base = minutesAgo(30);
      for (let minute = 0; minute < 10; minute++) {
        await post(aMeterReading({ meterId, timestamp: isoAt(base, minute * 60), kwhConsumedAc: 0.1 })).expect(201);
      }
      const [row] = await t.db.query<{ total: string; exact: boolean }>(
        'SELECT sum(kwh_consumed_ac)::text AS total, sum(kwh_consumed_ac) = 1 AS exact FROM meter_telemetry WHERE meter_id = $1',
        [meterId],
      );
      expect(row).toEqual({ total: '1.0', exact: true });
    });
  });

  describe('vehicle readings', () => {
    it('stores a reading in history and as the live row, with exact values, and acknowledges it', async () => {
      const reading = aVehicleReading({ soc: 63.25, kwhDeliveredDc: 0.875, batteryTemp: -3.5 });

      const res = await post(reading).expect(201);

      expect(res.body).toEqual({ accepted: 1, duplicates: 0, suspect: 0, conflicts: 0 });
      expect(await vehicleRows(t.db, 'vehicle_telemetry', reading.vehicleId)).toEqual([asStoredVehicle(reading)]);
      expect(await vehicleRows(t.db, 'vehicle_live_status', reading.vehicleId)).toEqual([asStoredVehicle(reading)]);
    });

    it('appends a later reading to history and moves the live row forward', async () => {
      const vehicleId = aDeviceId('vehicle');
      const base = minutesAgo(10);
      const first = aVehicleReading({ vehicleId, timestamp: isoAt(base, 0), soc: 40, kwhDeliveredDc: 0.9 });
      const second = aVehicleReading({ vehicleId, timestamp: isoAt(base, 60), soc: 41.5, kwhDeliveredDc: 1.1 });

      await post(first).expect(201);
      await post(second).expect(201);

      expect(await vehicleRows(t.db, 'vehicle_telemetry', vehicleId)).toEqual([
        asStoredVehicle(first),
        asStoredVehicle(second),
      ]);
      expect(await vehicleRows(t.db, 'vehicle_live_status', vehicleId)).toEqual([asStoredVehicle(second)]);
    });

    it('stores a late (older) reading in history but keeps the newer live row', async () => {
      const vehicleId = aDeviceId('vehicle');
      const base = minutesAgo(10);
      const newer = aVehicleReading({ vehicleId, timestamp: isoAt(base, 120), soc: 80, batteryTemp: 31 });
      const late = aVehicleReading({ vehicleId, timestamp: isoAt(base, 0), soc: 20, batteryTemp: 18 });

      await post(newer).expect(201);
      const res = await post(late).expect(201);

      expect(res.body).toEqual({ accepted: 1, duplicates: 0, suspect: 0, conflicts: 0 });
      expect(await vehicleRows(t.db, 'vehicle_telemetry', vehicleId)).toEqual([
        asStoredVehicle(late),
        asStoredVehicle(newer),
      ]);
      expect(await vehicleRows(t.db, 'vehicle_live_status', vehicleId)).toEqual([asStoredVehicle(newer)]);
    });

    it('acknowledges the same reading sent twice as a duplicate and stores it once', async () => {
      const reading = aVehicleReading();

      await post(reading).expect(201);
      const again = await post(reading).expect(201);

      expect(again.body).toEqual({ accepted: 0, duplicates: 1, suspect: 0, conflicts: 0 });
      expect(await t.db.count('vehicle_telemetry', 'vehicle_id = $1', [reading.vehicleId])).toBe(1);
    });

    it('keeps the first of two readings with the same vehicle and timestamp, in history and live', async () => {
      const first = aVehicleReading({ soc: 50, kwhDeliveredDc: 1, batteryTemp: 25 });
      const conflicting = { ...first, soc: 99, kwhDeliveredDc: 50, batteryTemp: 60 };

      await post(first).expect(201);
      const res = await post(conflicting).expect(201);

      expect(res.body).toEqual({ accepted: 0, duplicates: 1, suspect: 0, conflicts: 1 });
      expect(await vehicleRows(t.db, 'vehicle_telemetry', first.vehicleId)).toEqual([asStoredVehicle(first)]);
      expect(await vehicleRows(t.db, 'vehicle_live_status', first.vehicleId)).toEqual([asStoredVehicle(first)]);
    });
  });

  it('treats a meter and a vehicle with the same id and timestamp as two devices', async () => {
    const id = aDeviceId('meter');
    const timestamp = isoAt(minutesAgo(5), 0);
    const meter = aMeterReading({ meterId: id, timestamp });
    const vehicle = aVehicleReading({ vehicleId: id, timestamp });

    expect((await post(meter).expect(201)).body).toEqual({ accepted: 1, duplicates: 0, suspect: 0, conflicts: 0 });
    expect((await post(vehicle).expect(201)).body).toEqual({ accepted: 1, duplicates: 0, suspect: 0, conflicts: 0 });

    expect(await meterRows(t.db, 'meter_telemetry', id)).toEqual([asStoredMeter(meter)]);
    expect(await vehicleRows(t.db, 'vehicle_telemetry', id)).toEqual([asStoredVehicle(vehicle)]);
  });

  describe('instants', () => {
    it.each([
      ['+02:00', 120],
      ['-05:30', -330],
      ['+14:00', 14 * 60],
      ['-12:00', -12 * 60],
    ])('stores a timestamp with a %s offset as the same instant in UTC', async (_zone, offsetMinutes) => {
      const instant = minutesAgo(3);
      const reading = aMeterReading({ timestamp: withOffset(instant, offsetMinutes) });

      await post(reading).expect(201);

      const [row] = await meterRows(t.db, 'meter_telemetry', reading.meterId);
      expect(row!.ts).toBe(instant.toISOString().replace(/\.000Z$/, '.000000Z'));
    });

    it('keeps microseconds, in history and live', async () => {
      const instant = minutesAgo(3);
      const reading = aMeterReading({ timestamp: withOffset(instant, 120, '.123456') });
      const expected = instant.toISOString().replace(/\.000Z$/, '.123456Z');

      await post(reading).expect(201);

      expect((await meterRows(t.db, 'meter_telemetry', reading.meterId)).map((row) => row.ts)).toEqual([expected]);
      expect((await meterRows(t.db, 'meter_live_status', reading.meterId)).map((row) => row.ts)).toEqual([expected]);
    });

    it('stores readings one microsecond apart as two readings, the later one live', async () => {
      const meterId = aDeviceId('meter');
      const second = minutesAgo(4).toISOString().slice(0, 19);
      const earlier = aMeterReading({ meterId, timestamp: `${second}.000001Z`, kwhConsumedAc: 1 });
      const later = aMeterReading({ meterId, timestamp: `${second}.000002Z`, kwhConsumedAc: 2 });

      expect((await post(later).expect(201)).body).toEqual({ accepted: 1, duplicates: 0, suspect: 0, conflicts: 0 });
      expect((await post(earlier).expect(201)).body).toEqual({ accepted: 1, duplicates: 0, suspect: 0, conflicts: 0 });

      expect((await meterRows(t.db, 'meter_telemetry', meterId)).map((row) => row.ts)).toEqual([
        `${second}.000001Z`,
        `${second}.000002Z`,
      ]);
      expect(await meterRows(t.db, 'meter_live_status', meterId)).toEqual([
        { meterId, ts: `${second}.000002Z`, kwhConsumedAc: 2, voltage: later.voltage },
      ]);
    });

    it('treats …T10:00:00Z and …T12:00:00+02:00 as the same reading', async () => {
      const instant = minutesAgo(6);
      const inUtc = aMeterReading({ timestamp: instant.toISOString().replace('.000Z', 'Z') });
      const inParis = { ...inUtc, timestamp: withOffset(instant, 120), kwhConsumedAc: 8.8 };

      await post(inUtc).expect(201);
      const res = await post(inParis).expect(201);

      expect(res.body).toEqual({ accepted: 0, duplicates: 1, suspect: 0, conflicts: 1 });
      expect(await meterRows(t.db, 'meter_telemetry', inUtc.meterId)).toEqual([asStoredMeter(inUtc)]);
    });

    it.each([
      ['.5Z', '.500000Z'],
      ['.500Z', '.5Z'],
      ['.123456Z', '.123456+00:00'],
      ['Z', '.000000-00:00'],
    ])('treats a fraction written as %s and as %s as the same reading', async (first, second) => {
      const wall = minutesAgo(7).toISOString().slice(0, 19);
      const reading = aVehicleReading({ timestamp: `${wall}${first}` });

      await post(reading).expect(201);
      const res = await post({ ...reading, timestamp: `${wall}${second}`, soc: 1 }).expect(201);

      expect(res.body).toEqual({ accepted: 0, duplicates: 1, suspect: 0, conflicts: 1 });
      expect(await t.db.count('vehicle_telemetry', 'vehicle_id = $1', [reading.vehicleId])).toBe(1);
    });

    it('recognises a re-sent vehicle reading written in another offset as a duplicate', async () => {
      const instant = minutesAgo(8);
      const reading = aVehicleReading({ timestamp: withOffset(instant, -300, '.250001') });

      await post(reading).expect(201);
      const res = await post({ ...reading, timestamp: withOffset(instant, 60, '.250001') }).expect(201);

      expect(res.body).toEqual({ accepted: 0, duplicates: 1, suspect: 0, conflicts: 0 });
      expect((await vehicleRows(t.db, 'vehicle_telemetry', reading.vehicleId)).map((row) => row.ts)).toEqual([
        instant.toISOString().replace('.000Z', '.250001Z'),
      ]);
    });
  });
});
