import { STATUS_CODES } from 'node:http';
import { jest } from '@jest/globals';
import request from 'supertest';
import {
  aDeviceId,
  aMeterReading,
  asStoredMeter,
  asStoredVehicle,
  aVehicleReading,
  isoAt,
  type MeterReadingBody,
  meterRows,
  minutesAgo,
  shuffled,
  telemetryRowCount,
  type VehicleReadingBody,
  vehicleRows,
} from '../builders/readings.builder.ts';
import { createTestApp, type TestApp } from '../setup/test-app.ts';
import { flushFigures } from '../support/metrics.ts';

/**
 * Batches, concurrent requests (which the writer groups into shared flushes) and failed flushes:
 * every reading is stored exactly once, acknowledged once, and the live row ends on the newest.
 */

type Reading = MeterReadingBody | VehicleReadingBody;

const post = (t: TestApp, body: object) => request(t.server).post('/v1/telemetry').send(body);

/** `count` readings of one meter, a minute apart, starting `base`, with distinct values. */
function meterSeries(meterId: string, base: Date, count: number): MeterReadingBody[] {
  return Array.from({ length: count }, (_, i) =>
    aMeterReading({ meterId, timestamp: isoAt(base, i * 60), kwhConsumedAc: 0.5 + i / 100, voltage: 220 + i }),
  );
}

function vehicleSeries(vehicleId: string, base: Date, count: number): VehicleReadingBody[] {
  return Array.from({ length: count }, (_, i) =>
    aVehicleReading({ vehicleId, timestamp: isoAt(base, i * 60), soc: 10 + i, kwhDeliveredDc: 0.4 + i / 100 }),
  );
}

const newest = <T extends Reading>(readings: T[]): T =>
  readings.reduce((a, b) => (Date.parse(b.timestamp) > Date.parse(a.timestamp) ? b : a));

describe('POST /v1/telemetry batches and concurrency', () => {
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

  describe('batches', () => {
    it('stores a mixed batch of meters and vehicles whole: history, one live row each, right counts', async () => {
      const base = minutesAgo(60);
      const meters = [aDeviceId('meter'), aDeviceId('meter'), aDeviceId('meter')].map((id) => meterSeries(id, base, 4));
      const vehicles = [aDeviceId('vehicle'), aDeviceId('vehicle')].map((id) => vehicleSeries(id, base, 3));
      const batch = shuffled<Reading>([...meters.flat(), ...vehicles.flat()]);

      const res = await post(t, batch).expect(201);

      expect(res.body).toEqual({ accepted: 18, duplicates: 0, suspect: 0, conflicts: 0 });
      for (const series of meters) {
        const { meterId } = series[0]!;
        expect(await meterRows(t.db, 'meter_telemetry', meterId)).toEqual(series.map(asStoredMeter));
        expect(await meterRows(t.db, 'meter_live_status', meterId)).toEqual([asStoredMeter(newest(series))]);
      }
      for (const series of vehicles) {
        const { vehicleId } = series[0]!;
        expect(await vehicleRows(t.db, 'vehicle_telemetry', vehicleId)).toEqual(series.map(asStoredVehicle));
        expect(await vehicleRows(t.db, 'vehicle_live_status', vehicleId)).toEqual([asStoredVehicle(newest(series))]);
      }
    });

    it('refuses a batch with bad readings, naming each bad index and field, and stores none of it', async () => {
      const batch: unknown[] = [
        aMeterReading(),
        aMeterReading({ voltage: -1 }),
        aVehicleReading(),
        { kwhConsumedAc: 1, voltage: 230, timestamp: minutesAgo(1).toISOString() },
        aVehicleReading({ soc: '80', timestamp: '2026-11-26 10:00' }),
        42,
        { ...aMeterReading(), ...aVehicleReading() },
        aMeterReading({ meterId: 'has space' }),
      ];
      const before = await telemetryRowCount(t.db);

      const res = await post(t, batch).expect(400);

      expect(res.body).toEqual({
        statusCode: 400,
        error: STATUS_CODES[400],
        message: expect.any(String),
        details: [
          '[1].voltage',
          '[3].meterId|vehicleId',
          '[4].soc',
          '[4].timestamp',
          '[5]',
          '[6].meterId|vehicleId',
          '[7].meterId',
        ].map((field) => ({ field, errors: [expect.stringMatching(/\S/)] })),
      });
      expect(await telemetryRowCount(t.db)).toBe(before);
    });

    it('refuses a batch whose only bad reading is the last of many, storing none of the good ones', async () => {
      const good = meterSeries(aDeviceId('meter'), minutesAgo(120), 99);
      const res = await post(t, [...good, aMeterReading({ kwhConsumedAc: -1 })]).expect(400);
      expect(res.body.details).toEqual([{ field: '[99].kwhConsumedAc', errors: [expect.any(String)] }]);
      expect(await t.db.count('meter_telemetry', 'meter_id = $1', [good[0]!.meterId])).toBe(0);
      expect(await t.db.count('meter_live_status', 'meter_id = $1', [good[0]!.meterId])).toBe(0);
    });

    it('counts a reading repeated within a batch as a duplicate and stores it once', async () => {
      const meter = aMeterReading();
      const vehicle = aVehicleReading();

      const res = await post(t, [meter, vehicle, meter, meter, vehicle]).expect(201);

      expect(res.body).toEqual({ accepted: 2, duplicates: 3, suspect: 0, conflicts: 0 });
      expect(await meterRows(t.db, 'meter_telemetry', meter.meterId)).toEqual([asStoredMeter(meter)]);
      expect(await vehicleRows(t.db, 'vehicle_telemetry', vehicle.vehicleId)).toEqual([asStoredVehicle(vehicle)]);
    });

    it('stores a meter and a vehicle that share an id and a timestamp in one batch as two readings', async () => {
      const id = aDeviceId('meter');
      const timestamp = minutesAgo(2).toISOString();
      const meter = aMeterReading({ meterId: id, timestamp });
      const vehicle = aVehicleReading({ vehicleId: id, timestamp });

      const res = await post(t, [meter, vehicle]).expect(201);

      expect(res.body).toEqual({ accepted: 2, duplicates: 0, suspect: 0, conflicts: 0 });
      expect(await meterRows(t.db, 'meter_telemetry', id)).toEqual([asStoredMeter(meter)]);
      expect(await vehicleRows(t.db, 'vehicle_telemetry', id)).toEqual([asStoredVehicle(vehicle)]);
      expect(await vehicleRows(t.db, 'vehicle_live_status', id)).toEqual([asStoredVehicle(vehicle)]);
    });

    it('keeps the first of two readings in a batch with the same device and timestamp, in history and live', async () => {
      const first = aMeterReading({ kwhConsumedAc: 1 });
      const second = { ...first, kwhConsumedAc: 2, voltage: 240 };

      const res = await post(t, [first, second]).expect(201);

      expect(res.body).toEqual({ accepted: 1, duplicates: 1, suspect: 0, conflicts: 1 });
      expect(await meterRows(t.db, 'meter_telemetry', first.meterId)).toEqual([asStoredMeter(first)]);
      expect(await meterRows(t.db, 'meter_live_status', first.meterId)).toEqual([asStoredMeter(first)]);
    });

    it('counts readings already in history as duplicates and stores only the new ones', async () => {
      const meterId = aDeviceId('meter');
      const vehicleId = aDeviceId('vehicle');
      const base = minutesAgo(30);
      const meters = meterSeries(meterId, base, 4);
      const vehicles = vehicleSeries(vehicleId, base, 4);
      await post(t, [meters[0]!, meters[1]!, vehicles[2]!]).expect(201);

      const res = await post(t, [...meters, ...vehicles]).expect(201);

      expect(res.body).toEqual({ accepted: 5, duplicates: 3, suspect: 0, conflicts: 0 });
      expect(await meterRows(t.db, 'meter_telemetry', meterId)).toEqual(meters.map(asStoredMeter));
      expect(await vehicleRows(t.db, 'vehicle_telemetry', vehicleId)).toEqual(vehicles.map(asStoredVehicle));
    });

    it('sets the live row to the newest reading of the batch, wherever it sits in the array', async () => {
      const meterId = aDeviceId('meter');
      const vehicleId = aDeviceId('vehicle');
      const base = minutesAgo(40);
      const meters = meterSeries(meterId, base, 10);
      const vehicles = vehicleSeries(vehicleId, base, 10);
      const batch = [8, 2, 9, 0, 5, 1, 7, 3, 6, 4].map((minute) => meters[minute]!); // newest neither first nor last

      await post(t, [...batch, ...shuffled(vehicles)]).expect(201);

      expect(await meterRows(t.db, 'meter_live_status', meterId)).toEqual([asStoredMeter(meters[9]!)]);
      expect(await vehicleRows(t.db, 'vehicle_live_status', vehicleId)).toEqual([asStoredVehicle(vehicles[9]!)]);
    });

    it('leaves a newer live row alone when a batch brings only older readings', async () => {
      const meterId = aDeviceId('meter');
      const series = meterSeries(meterId, minutesAgo(50), 6);
      await post(t, series[5]!).expect(201);

      const res = await post(t, shuffled(series.slice(0, 5))).expect(201);

      expect(res.body).toEqual({ accepted: 5, duplicates: 0, suspect: 0, conflicts: 0 });
      expect(await meterRows(t.db, 'meter_live_status', meterId)).toEqual([asStoredMeter(series[5]!)]);
      expect(await t.db.count('meter_telemetry', 'meter_id = $1', [meterId])).toBe(6);
    });

    it('stores a batch of the maximum size (10,000 readings, more than one flush holds) whole', async () => {
      expect(t.config.BATCH_MAX_READINGS).toBe(10_000);
      const base = minutesAgo(24 * 60);
      const meterIds = Array.from({ length: 100 }, () => aDeviceId('meter'));
      const vehicleIds = Array.from({ length: 100 }, () => aDeviceId('vehicle'));
      const batch = shuffled<Reading>([
        ...meterIds.flatMap((id) => meterSeries(id, base, 50)),
        ...vehicleIds.flatMap((id) => vehicleSeries(id, base, 50)),
      ]);
      expect(batch.length).toBeGreaterThan(t.config.WRITER_MAX_FLUSH_READINGS);

      const res = await post(t, batch).expect(201);

      expect(res.body).toEqual({ accepted: 10_000, duplicates: 0, suspect: 0, conflicts: 0 });
      expect(await t.db.count('meter_telemetry', 'meter_id = ANY($1)', [meterIds])).toBe(5000);
      expect(await t.db.count('vehicle_telemetry', 'vehicle_id = ANY($1)', [vehicleIds])).toBe(5000);
      const [live] = await t.db.query<{ n: number; all_newest: boolean }>(
        `SELECT count(*)::int AS n, bool_and(ts = $2::timestamptz) AS all_newest
         FROM meter_live_status WHERE meter_id = ANY($1)`,
        [meterIds, isoAt(base, 49 * 60)],
      );
      expect(live).toEqual({ n: 100, all_newest: true });
    });
  });

  describe('concurrent requests', () => {
    it('stores all of 50 concurrent out-of-order readings of one meter and one vehicle; live ends on the newest', async () => {
      const meterId = aDeviceId('meter');
      const vehicleId = aDeviceId('vehicle');
      const base = minutesAgo(90);
      const meters = meterSeries(meterId, base, 50);
      const vehicles = vehicleSeries(vehicleId, base, 50);

      const responses = await Promise.all(shuffled<Reading>([...meters, ...vehicles]).map((r) => post(t, r)));

      for (const res of responses) {
        expect(res.status).toBe(201);
        expect(res.body).toEqual({ accepted: 1, duplicates: 0, suspect: 0, conflicts: 0 });
      }
      expect(await meterRows(t.db, 'meter_telemetry', meterId)).toEqual(meters.map(asStoredMeter));
      expect(await meterRows(t.db, 'meter_live_status', meterId)).toEqual([asStoredMeter(meters[49]!)]);
      expect(await vehicleRows(t.db, 'vehicle_telemetry', vehicleId)).toEqual(vehicles.map(asStoredVehicle));
      expect(await vehicleRows(t.db, 'vehicle_live_status', vehicleId)).toEqual([asStoredVehicle(vehicles[49]!)]);
    });

    it('accepts a reading sent 20 times at once exactly once, and answers the other 19 as duplicates', async () => {
      const reading = aMeterReading();

      const responses = await Promise.all(Array.from({ length: 20 }, () => post(t, reading)));

      expect(responses.map((res) => res.status)).toEqual(Array(20).fill(201));
      const acks = responses.map((res) => res.body as { accepted: number; duplicates: number });
      expect(acks.reduce((sum, ack) => sum + ack.accepted, 0)).toBe(1);
      expect(acks.reduce((sum, ack) => sum + ack.duplicates, 0)).toBe(19);
      expect(await meterRows(t.db, 'meter_telemetry', reading.meterId)).toEqual([asStoredMeter(reading)]);
    });

    it('acknowledges every stored reading exactly once across overlapping concurrent batches', async () => {
      const meterIds = [aDeviceId('meter'), aDeviceId('meter'), aDeviceId('meter')];
      const vehicleIds = [aDeviceId('vehicle'), aDeviceId('vehicle')];
      const base = minutesAgo(180);
      const pool: Reading[] = [
        ...meterIds.flatMap((id) => meterSeries(id, base, 40)),
        ...vehicleIds.flatMap((id) => vehicleSeries(id, base, 40)),
      ];
      // 30 batches of 25 readings drawn from a pool of 200: readings overlap within and between batches.
      const random = seededRandom(20261126); // the same draw on every run: a failure reproduces
      const batches = Array.from({ length: 30 }, () =>
        Array.from({ length: 25 }, () => pool[Math.floor(random() * pool.length)]!),
      );
      const sent = new Set(batches.flat());

      const responses = await Promise.all(batches.map((batch) => post(t, batch)));

      expect(responses.map((res) => res.status)).toEqual(Array(30).fill(201));
      const acks = responses.map((res) => res.body as { accepted: number; duplicates: number });
      acks.forEach((ack, i) => expect(ack.accepted + ack.duplicates).toBe(batches[i]!.length));
      const accepted = acks.reduce((sum, ack) => sum + ack.accepted, 0);
      const stored =
        (await t.db.count('meter_telemetry', 'meter_id = ANY($1)', [meterIds])) +
        (await t.db.count('vehicle_telemetry', 'vehicle_id = ANY($1)', [vehicleIds]));
      expect(stored).toBe(sent.size);
      expect(accepted).toBe(sent.size);
      for (const meterId of meterIds) {
        const newestSent = newest(
          [...sent].filter((r): r is MeterReadingBody => 'meterId' in r && r.meterId === meterId),
        );
        expect(await meterRows(t.db, 'meter_live_status', meterId)).toEqual([asStoredMeter(newestSent)]);
      }
    });
  });

  describe('when the database statement of a flush fails', () => {
    let f: TestApp;
    beforeAll(async () => {
      // A linger long enough for concurrent requests to share flushes (grouping only; nothing here is timed).
      f = await createTestApp({ env: { WRITER_LINGER_MS: '50' } });
    });
    afterAll(async () => {
      await f.close();
    });
    beforeEach(() => {
      f.clock.set(new Date());
      jest.spyOn(console, 'log').mockImplementation(() => undefined); // TypeORM prints each failed statement
    });
    afterEach(() => {
      jest.restoreAllMocks();
    });

    function expect503(res: request.Response): void {
      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toMatch(/^\d+$/);
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      expect(res.body).toEqual({ statusCode: 503, error: STATUS_CODES[503], message: expect.stringMatching(/\S/) });
    }

    it('stores concurrent requests together: fewer flushes than requests, every reading in one of them', async () => {
      const requests = [aMeterReading(), aVehicleReading(), [aMeterReading(), aVehicleReading()], aMeterReading()];
      const before = await flushFigures(f);

      const responses = await Promise.all(requests.map((body) => post(f, body)));

      expect(responses.map((res) => res.status)).toEqual(Array(requests.length).fill(201));
      const after = await flushFigures(f);
      expect(after.committedReadings - before.committedReadings).toBe(5);
      expect(after.flushes - before.flushes).toBe(after.committedFlushes - before.committedFlushes);
      expect(after.committedFlushes - before.committedFlushes).toBeLessThan(requests.length);
    });

    it('answers 503 with Retry-After to every request and stores nothing; a retry then stores everything', async () => {
      const base = minutesAgo(15);
      const requests: Array<Reading | Reading[]> = [
        aMeterReading(),
        aVehicleReading(),
        [aMeterReading(), aVehicleReading(), aMeterReading()],
        meterSeries(aDeviceId('meter'), base, 5),
        aMeterReading(),
        vehicleSeries(aDeviceId('vehicle'), base, 3),
        aVehicleReading(),
        aMeterReading(),
      ];
      const sizes = requests.map((body) => (Array.isArray(body) ? body.length : 1));

      const before = await telemetryRowCount(f.db);
      const historyBefore = await historyRowCount(f);
      await f.db.query('ALTER TABLE vehicle_telemetry RENAME TO vehicle_telemetry_x');
      let failed: request.Response[];
      try {
        failed = await Promise.all(requests.map((body) => post(f, body)));
      } finally {
        await f.db.query('ALTER TABLE vehicle_telemetry_x RENAME TO vehicle_telemetry');
      }

      failed.forEach(expect503);
      expect(await telemetryRowCount(f.db)).toBe(before); // nothing stored, whatever other tests stored

      const retried = await Promise.all(requests.map((body) => post(f, body)));
      retried.forEach((res, i) => {
        expect(res.status).toBe(201);
        expect(res.body).toEqual({ accepted: sizes[i], duplicates: 0, suspect: 0, conflicts: 0 });
      });
      expect(await historyRowCount(f)).toBe(historyBefore + sizes.reduce((a, b) => a + b, 0));
    });

    it('fails only the request whose data breaks the statement (500, its meter rows rolled back too); its flush-mates are stored', async () => {
      const poisoned = aVehicleReading({ vehicleId: `poison-${aDeviceId('vehicle')}` });
      const poisonedRequest = [aMeterReading(), aMeterReading(), poisoned, aMeterReading()];
      const others: Array<Reading | Reading[]> = [
        aMeterReading(),
        [aMeterReading(), aVehicleReading()],
        aVehicleReading(),
        meterSeries(aDeviceId('meter'), minutesAgo(20), 4),
        aMeterReading(),
      ];
      const requests = [poisonedRequest, ...others];
      const before = await historyRowCount(f);
      const flushesBefore = (await flushFigures(f)).flushes;

      // Fails at execution time, inside the one statement that also inserts the flush's meter rows.
      await f.db.query(
        `ALTER TABLE vehicle_telemetry ADD CONSTRAINT test_no_poison CHECK (vehicle_id NOT LIKE 'poison-%')`,
      );
      let responses: request.Response[];
      try {
        responses = await Promise.all(requests.map((body) => post(f, body)));
      } finally {
        await f.db.query('ALTER TABLE vehicle_telemetry DROP CONSTRAINT test_no_poison');
      }

      expect(responses[0]!.status).toBe(500);
      expect(responses[0]!.body).toEqual({
        statusCode: 500,
        error: STATUS_CODES[500],
        message: 'Internal server error',
      });
      expect(await countStored(f, poisonedRequest)).toBe(0);
      let storedByAcknowledged = 0;
      for (const [i, res] of responses.entries()) {
        if (i === 0) continue;
        const readings = [requests[i]!].flat();
        expect(res.status).toBe(201);
        expect(res.body).toEqual({ accepted: readings.length, duplicates: 0, suspect: 0, conflicts: 0 });
        expect(await countStored(f, readings)).toBe(readings.length);
        storedByAcknowledged += readings.length;
      }
      const poisonedMeterIds = poisonedRequest
        .filter((r): r is MeterReadingBody => 'meterId' in r)
        .map((r) => r.meterId);
      expect(await f.db.count('meter_live_status', 'meter_id = ANY($1)', [poisonedMeterIds])).toBe(0);
      expect(await historyRowCount(f)).toBe(before + storedByAcknowledged);
      // The poisoned request did share a flush: that flush failed, then each of its requests ran
      // alone. Without grouping there would be exactly one statement per request.
      expect((await flushFigures(f)).flushes - flushesBefore).toBeGreaterThan(requests.length);

      const retried = await post(f, poisonedRequest).expect(201);
      expect(retried.body).toEqual({ accepted: 4, duplicates: 0, suspect: 0, conflicts: 0 });
      expect(await countStored(f, poisonedRequest)).toBe(4);
    });
  });
});

/** How many of these readings are in history. */
async function countStored(t: TestApp, readings: Reading[]): Promise<number> {
  let stored = 0;
  for (const reading of readings) {
    stored +=
      'meterId' in reading
        ? await t.db.count('meter_telemetry', 'meter_id = $1 AND ts = $2', [reading.meterId, reading.timestamp])
        : await t.db.count('vehicle_telemetry', 'vehicle_id = $1 AND ts = $2', [reading.vehicleId, reading.timestamp]);
  }
  return stored;
}

/** Rows in both history tables. */
async function historyRowCount(t: TestApp): Promise<number> {
  return (await t.db.count('meter_telemetry')) + (await t.db.count('vehicle_telemetry'));
}

/** mulberry32: a small deterministic generator of numbers in [0, 1). */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
