import request from 'supertest';
import { aMeterRow, aVehicleRow, insertMeterHistory, insertVehicleHistory } from '../builders/history.builder.ts';
import type { VehiclePerformance } from '../../src/analytics/dto/performance.dto.ts';
import { meterReading, vehicleReading } from '../builders/readings.builder.ts';
import { createTestApp, type TestApp } from '../setup/test-app.ts';
import { ingest, link } from '../support/api.ts';

/** The pinned "now": the window is [NOW − 24 h, NOW). Partitions exist for 7 days either side of it. */
const NOW = new Date('2026-03-15T12:00:00.000Z');
const FROM = new Date('2026-03-14T12:00:00.000Z');
const HOUR = 60 * 60 * 1000;
const at = (ms: number): string => new Date(ms).toISOString();

let seq = 0;
const uniqueId = (kind: string): string => `an-${kind}-${++seq}`;

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ now: NOW });
});
afterAll(async () => {
  await t.close();
});
afterEach(() => {
  t.clock.set(NOW);
});

async function performance(vehicleId: string): Promise<VehiclePerformance> {
  const res = await request(t.server).get(`/v1/analytics/performance/${vehicleId}`).expect(200);
  return res.body as VehiclePerformance;
}

describe('GET /v1/analytics/performance/:vehicleId', () => {
  it('sums exactly the readings in [now − 24 h, now): start included, end excluded, outside left out', async () => {
    const vehicleId = uniqueId('veh');
    const meterId = uniqueId('met');
    await link(t, vehicleId, meterId);
    const from = FROM.getTime();
    const to = NOW.getTime();
    await ingest(t, [
      // In the window. Decimals whose float sums are inexact: 0.1 + 0.2 + 0.7 is 0.9999999999999999 in floats.
      meterReading(meterId, '2026-03-14T14:00:00+02:00', 0.1), // exactly `from`, written with an offset
      meterReading(meterId, at(from + 6 * HOUR), 0.2),
      meterReading(meterId, '2026-03-15T11:59:59.999999Z', 0.7), // 1 µs before `to`
      // Outside it.
      meterReading(meterId, at(to), 50), // exactly `to`: excluded
      meterReading(meterId, '2026-03-14T11:59:59.999999Z', 60), // 1 µs before `from`
      meterReading(meterId, at(from - 2 * HOUR), 70),
      meterReading(meterId, at(to + 60_000), 80), // a minute ahead (device clock skew, within tolerance)
      meterReading(meterId, at(from - 3 * 24 * HOUR), 90),
      // Same window, vehicle side: 0.05 + 0.25 + 0.6 is 0.8999999999999999 in floats.
      vehicleReading(vehicleId, at(from), 0.05, 20),
      vehicleReading(vehicleId, at(from + 12 * HOUR), 0.25, 25),
      vehicleReading(vehicleId, '2026-03-15T11:59:59.999999Z', 0.6, 33),
      vehicleReading(vehicleId, at(to), 40, 99),
      vehicleReading(vehicleId, '2026-03-14T11:59:59.999999Z', 41, 99),
      vehicleReading(vehicleId, at(to + 60_000), 42, 99),
    ]);

    const res = await request(t.server).get(`/v1/analytics/performance/${vehicleId}`).expect(200);

    expect(res.body).toEqual({
      vehicleId,
      meterId,
      from: '2026-03-14T12:00:00.000Z',
      to: '2026-03-15T12:00:00.000Z',
      acKwh: 1,
      dcKwh: 0.9,
      unlinkedDcKwh: 0,
      efficiency: 0.9,
      avgBatteryTemp: 26,
      meterReadings: 3,
      vehicleReadings: 3,
      suspectReadings: 0,
      suspectMeterReadings: 0,
      suspectVehicleReadings: 0,
      coverage: 3 / 1440, // three readings where a day at one a minute holds 1,440
      threshold: 0.85,
      status: 'insufficient_data',
      meters: [{ meterId, from: '2026-03-14T12:00:00.000Z', to: '2026-03-15T12:00:00.000Z', acKwh: 1 }],
    });
  });

  it('adds 0.1 + 0.2 to exactly 0.3 (energy is NUMERIC), and numbers reach JSON as numbers', async () => {
    const vehicleId = uniqueId('veh');
    const meterId = uniqueId('met');
    await link(t, vehicleId, meterId);
    await ingest(t, [
      meterReading(meterId, at(NOW.getTime() - 2 * HOUR), 0.1),
      meterReading(meterId, at(NOW.getTime() - HOUR), 0.2),
      ...Array.from({ length: 10 }, (_, i) => vehicleReading(vehicleId, at(NOW.getTime() - (i + 1) * 60_000), 0.03)),
    ]);
    // A float sum would answer 0.30000000000000004.

    const res = await request(t.server).get(`/v1/analytics/performance/${vehicleId}`).expect(200);

    expect(res.body).toMatchObject({ acKwh: 0.3, dcKwh: 0.3, efficiency: 1, meterReadings: 2, vehicleReadings: 10 });
    // Numbers in the JSON text itself, not strings that JavaScript would coerce.
    expect(res.text).toContain('"acKwh":0.3');
    expect(res.text).toContain('"dcKwh":0.3');
    expect(res.text).toContain('"meterReadings":2');
    const body = res.body as VehiclePerformance;
    for (const key of ['acKwh', 'dcKwh', 'efficiency', 'avgBatteryTemp', 'meterReadings', 'vehicleReadings'] as const) {
      expect(typeof body[key]).toBe('number');
    }
  });

  it('sums a full day of minute readings exactly (1,440 × 0.01 kWh AC, 1,440 × 0.009 kWh DC)', async () => {
    const vehicleId = uniqueId('veh');
    const meterId = uniqueId('met');
    await link(t, vehicleId, meterId);
    const minutes = Array.from({ length: 1440 }, (_, i) => at(FROM.getTime() + i * 60_000));
    await ingest(
      t,
      minutes.map((ts) => meterReading(meterId, ts, 0.01)),
    );
    await ingest(
      t,
      minutes.map((ts, i) => vehicleReading(vehicleId, ts, 0.009, i % 2 === 0 ? 20 : 30)),
    );
    // Adding 0.01 as a float 1,440 times drifts away from 14.4.

    const body = await performance(vehicleId);

    expect(body).toMatchObject({
      acKwh: 14.4,
      dcKwh: 12.96,
      efficiency: 0.9,
      avgBatteryTemp: 25,
      meterReadings: 1440,
      vehicleReadings: 1440,
      suspectReadings: 0,
      suspectMeterReadings: 0,
      suspectVehicleReadings: 0,
    });
  });

  it("leaves out other vehicles' and other meters' readings", async () => {
    const vehicleId = uniqueId('veh');
    const meterId = uniqueId('met');
    const otherVehicle = uniqueId('veh');
    const otherMeter = uniqueId('met');
    await link(t, vehicleId, meterId);
    await link(t, otherVehicle, otherMeter);
    const ts = at(NOW.getTime() - 3 * HOUR);
    await ingest(t, [
      meterReading(meterId, ts, 2),
      meterReading(otherMeter, ts, 7),
      meterReading(`${meterId}0`, ts, 11), // an id that starts like ours
      vehicleReading(vehicleId, ts, 1.5, 30),
      vehicleReading(otherVehicle, ts, 6, 10),
      vehicleReading(`${vehicleId}0`, ts, 13, 10),
    ]);

    expect(await performance(vehicleId)).toMatchObject({
      meterId,
      acKwh: 2,
      dcKwh: 1.5,
      efficiency: 0.75,
      avgBatteryTemp: 30,
      meterReadings: 1,
      vehicleReadings: 1,
      suspectReadings: 0,
      suspectMeterReadings: 0,
      suspectVehicleReadings: 0,
    });
    expect(await performance(otherVehicle)).toMatchObject({ meterId: otherMeter, acKwh: 7, dcKwh: 6 });
  });

  it('keeps the readings before a re-point on the old meter (a re-point starts now, it does not rewrite the past)', async () => {
    const vehicleId = uniqueId('veh');
    const firstMeter = uniqueId('met');
    const secondMeter = uniqueId('met');
    await link(t, vehicleId, firstMeter);
    const ts = at(NOW.getTime() - 5 * HOUR);
    await ingest(t, [
      meterReading(firstMeter, ts, 2),
      meterReading(secondMeter, ts, 3),
      vehicleReading(vehicleId, ts, 1.5),
    ]);
    expect(await performance(vehicleId)).toMatchObject({ meterId: firstMeter, acKwh: 2, efficiency: 0.75 });

    await request(t.server).post('/v1/links').send({ vehicleId, meterId: secondMeter }).expect(200);

    const after = await performance(vehicleId);
    expect(after).toMatchObject({ meterId: secondMeter, acKwh: 2, dcKwh: 1.5, efficiency: 0.75, meterReadings: 1 });
    expect(after.meters).toEqual([{ meterId: firstMeter, from: FROM.toISOString(), to: NOW.toISOString(), acKwh: 2 }]);
  });

  it("splits a shared meter's AC: by the vehicles' DC in the hour, equally in an hour when none charged", async () => {
    const meterId = uniqueId('depot');
    const first = uniqueId('veh');
    const second = uniqueId('veh');
    await link(t, first, meterId);
    await link(t, second, meterId);
    const ts = at(NOW.getTime() - 2 * HOUR);
    await ingest(t, [
      meterReading(meterId, ts, 2.5),
      meterReading(meterId, at(NOW.getTime() - HOUR), 1.5),
      vehicleReading(first, ts, 1, 20),
      vehicleReading(second, ts, 3, 30),
    ]);

    // Hour of 2.5 kWh: first 1 of 4 kWh DC, second 3 of 4. Hour of 1.5 kWh: no DC, half each.
    expect(await performance(first)).toMatchObject({
      meterId,
      acKwh: 0.625 + 0.75,
      dcKwh: 1,
      efficiency: 1 / 1.375,
      avgBatteryTemp: 20,
      meterReadings: 2,
      vehicleReadings: 1,
      suspectReadings: 0,
      suspectMeterReadings: 0,
      suspectVehicleReadings: 0,
    });
    expect(await performance(second)).toMatchObject({
      meterId,
      acKwh: 1.875 + 0.75,
      dcKwh: 3,
      avgBatteryTemp: 30,
      meterReadings: 2,
      vehicleReadings: 1,
      suspectReadings: 0,
      suspectMeterReadings: 0,
      suspectVehicleReadings: 0,
    });
  });

  it('answers zeros and nulls for a linked vehicle without readings in the window', async () => {
    const vehicleId = uniqueId('veh');
    const meterId = uniqueId('met');
    await link(t, vehicleId, meterId);
    // Readings only outside the window.
    await ingest(t, [
      meterReading(meterId, at(FROM.getTime() - 1), 5),
      vehicleReading(vehicleId, at(NOW.getTime()), 5),
    ]);

    const res = await request(t.server).get(`/v1/analytics/performance/${vehicleId}`).expect(200);

    expect(res.body).toEqual({
      vehicleId,
      meterId,
      from: FROM.toISOString(),
      to: NOW.toISOString(),
      acKwh: 0,
      dcKwh: 0,
      unlinkedDcKwh: 0,
      efficiency: null,
      avgBatteryTemp: null,
      meterReadings: 0,
      vehicleReadings: 0,
      suspectReadings: 0,
      suspectMeterReadings: 0,
      suspectVehicleReadings: 0,
      coverage: 0,
      threshold: 0.85,
      status: 'insufficient_data',
      meters: [{ meterId, from: FROM.toISOString(), to: NOW.toISOString(), acKwh: 0 }],
    });
  });

  it('answers a null efficiency when the meter recorded 0 kWh AC', async () => {
    const vehicleId = uniqueId('veh');
    const meterId = uniqueId('met');
    await link(t, vehicleId, meterId);
    await ingest(t, [
      meterReading(meterId, at(NOW.getTime() - 2 * HOUR), 0),
      meterReading(meterId, at(NOW.getTime() - HOUR), 0),
      vehicleReading(vehicleId, at(NOW.getTime() - HOUR), 1.2, 31),
    ]);

    expect(await performance(vehicleId)).toMatchObject({
      acKwh: 0,
      dcKwh: 1.2,
      efficiency: null,
      avgBatteryTemp: 31,
      meterReadings: 2,
      vehicleReadings: 1,
      suspectReadings: 0,
      suspectMeterReadings: 0,
      suspectVehicleReadings: 0,
    });
  });

  it('answers efficiency 0 (dcKwh / acKwh) when the meter drew AC but the vehicle reported nothing', async () => {
    const vehicleId = uniqueId('veh');
    const meterId = uniqueId('met');
    await link(t, vehicleId, meterId);
    await ingest(t, [meterReading(meterId, at(NOW.getTime() - HOUR), 3.5)]);

    expect(await performance(vehicleId)).toMatchObject({
      acKwh: 3.5,
      dcKwh: 0,
      efficiency: 0,
      avgBatteryTemp: null,
      meterReadings: 1,
      vehicleReadings: 0,
      suspectReadings: 0,
      suspectMeterReadings: 0,
      suspectVehicleReadings: 0,
    });
  });

  it('moves the window with the clock: the reading at the old `to` becomes the new `from`', async () => {
    const vehicleId = uniqueId('veh');
    const meterId = uniqueId('met');
    await link(t, vehicleId, meterId);
    await ingest(t, [
      meterReading(meterId, at(NOW.getTime() - HOUR), 1), // in today's window only
      meterReading(meterId, at(NOW.getTime()), 2), // excluded now, `from` of tomorrow's window
      meterReading(meterId, at(NOW.getTime() + 4 * 60_000), 4), // in tomorrow's window only
    ]);
    expect(await performance(vehicleId)).toMatchObject({ acKwh: 1, meterReadings: 1 });

    t.clock.set(new Date(NOW.getTime() + 24 * HOUR));

    expect(await performance(vehicleId)).toMatchObject({
      from: NOW.toISOString(),
      to: '2026-03-16T12:00:00.000Z',
      acKwh: 6,
      meterReadings: 2,
    });
  });

  it('counts readings that sit in the default partition (days without a partition of their own)', async () => {
    // Nine months before NOW: no day partition exists there, so the rows land in the default partitions.
    const now = new Date('2025-06-01T06:00:00.000Z');
    t.clock.set(now);
    const vehicleId = uniqueId('veh');
    const meterId = uniqueId('met');
    await link(t, vehicleId, meterId);
    await insertMeterHistory(t.db, [
      aMeterRow({ meterId, ts: '2025-05-31T06:00:00Z', kwhConsumedAc: '0.1' }),
      aMeterRow({ meterId, ts: '2025-06-01T05:59:59.999999Z', kwhConsumedAc: '0.2' }),
      aMeterRow({ meterId, ts: '2025-06-01T06:00:00Z', kwhConsumedAc: '9' }),
    ]);
    await insertVehicleHistory(t.db, [aVehicleRow({ vehicleId, ts: '2025-05-31T23:00:00Z', kwhDeliveredDc: '0.27' })]);
    expect(await t.db.count('meter_telemetry_default', 'meter_id = $1', [meterId])).toBe(3);

    expect(await performance(vehicleId)).toMatchObject({
      from: '2025-05-31T06:00:00.000Z',
      to: now.toISOString(),
      acKwh: 0.3,
      dcKwh: 0.27,
      efficiency: 0.9,
      meterReadings: 2,
      vehicleReadings: 1,
      suspectReadings: 0,
      suspectMeterReadings: 0,
      suspectVehicleReadings: 0,
    });
  });

  it('answers 404 in the error shape for a vehicle without a link, even one with readings', async () => {
    const vehicleId = uniqueId('unlinked');
    await ingest(t, [vehicleReading(vehicleId, at(NOW.getTime() - HOUR), 2)]);

    const res = await request(t.server).get(`/v1/analytics/performance/${vehicleId}`).expect(404);

    expect(res.body).toEqual({ statusCode: 404, error: 'Not Found', message: expect.stringContaining(vehicleId) });
  });

  it('answers 400 naming vehicleId for an id with forbidden characters', async () => {
    const res = await request(t.server).get('/v1/analytics/performance/veh%27%3B--').expect(400);

    expect(res.body).toMatchObject({ statusCode: 400, details: [expect.objectContaining({ field: 'vehicleId' })] });
  });
});
