import request from 'supertest';
import type { FleetReport, FleetVehicle } from '../../src/analytics/dto/fleet.dto.ts';
import type { MeterPerformance } from '../../src/analytics/dto/meter-performance.dto.ts';
import type { VehiclePerformance } from '../../src/analytics/dto/performance.dto.ts';
import { meterReading, vehicleReading } from '../builders/readings.builder.ts';
import { createTestApp, type TestApp } from '../setup/test-app.ts';
import { ingest, link, postTelemetry } from '../support/api.ts';

/**
 * Flagged readings and per-device thresholds in every analytics answer: a suspect reading counts
 * 0 kWh, is left out of the reading counts and temperatures, and is counted in suspect*Readings, in
 * whole hours (roll-ups), at raw window edges, per bucket, in the fleet report and the meter view
 * alike. The status is judged by the vehicle's own threshold, else its meters' weighted by the AC
 * attributed from each. A few readings a day: MIN_COVERAGE=0, so the status judges efficiency.
 */
const NOW = new Date('2026-03-15T12:00:00.000Z');
const SUSPECT_VOLTAGE = 2000; // > SUSPECT_VOLTAGE_MAX (1500 V)
const SUSPECT_TEMP = 150; // > SUSPECT_BATTERY_TEMP_MAX (100 °C)

async function vehicleView(t: TestApp, vehicleId: string, query: Record<string, string> = {}) {
  const res = await request(t.server).get(`/v1/analytics/performance/${vehicleId}`).query(query).expect(200);
  return res.body as VehiclePerformance;
}

async function meterView(t: TestApp, meterId: string, query: Record<string, string> = {}) {
  const res = await request(t.server).get(`/v1/analytics/meters/${meterId}`).query(query).expect(200);
  return res.body as MeterPerformance;
}

async function fleetRow(t: TestApp, vehicleId: string): Promise<FleetVehicle> {
  const res = await request(t.server).get('/v1/analytics/fleet').query({ limit: 1000 }).expect(200);
  const row = (res.body as FleetReport).items.find((vehicle) => vehicle.vehicleId === vehicleId);
  expect(row).toBeDefined();
  return row!;
}

async function register(t: TestApp, kind: 'meters' | 'vehicles', id: string, efficiencyThreshold: number) {
  await request(t.server).put(`/v1/${kind}/${id}`).send({ energyMode: 'interval', efficiencyThreshold }).expect(200);
}

describe('suspect readings in the analytics', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ now: NOW, env: { MIN_COVERAGE: '0' } });
    await link(t, 'q-v1', 'q-m1');
    const ack = await postTelemetry(t, [
      meterReading('q-m1', '2026-03-15T10:00:00Z', 1),
      meterReading('q-m1', '2026-03-15T10:30:00Z', 5, SUSPECT_VOLTAGE),
      meterReading('q-m1', '2026-03-15T11:15:00Z', 1),
      meterReading('q-m1', '2026-03-15T11:20:00Z', 3, SUSPECT_VOLTAGE),
      vehicleReading('q-v1', '2026-03-15T10:00:00Z', 0.9, 25),
      vehicleReading('q-v1', '2026-03-15T10:30:00Z', 4, SUSPECT_TEMP),
      vehicleReading('q-v1', '2026-03-15T11:15:00Z', 0.9, 35),
    ]);
    expect(ack).toEqual({ accepted: 7, duplicates: 0, suspect: 3, conflicts: 0 });
  });

  afterAll(async () => {
    await t.close();
  });

  it('counts them in whole hours and leaves them out of energy, readings and temperature', async () => {
    const body = await vehicleView(t, 'q-v1');

    expect(body).toMatchObject({
      acKwh: 2,
      dcKwh: 1.8,
      efficiency: 0.9,
      avgBatteryTemp: 30, // (25 + 35) / 2: the 150 °C reading is not in it
      meterReadings: 2,
      vehicleReadings: 2,
      suspectMeterReadings: 2,
      suspectVehicleReadings: 1,
      suspectReadings: 3,
      status: 'ok',
    });
  });

  it('counts those inside a window that cuts hours (raw edges), and only those', async () => {
    const body = await vehicleView(t, 'q-v1', { from: '2026-03-15T10:10:00Z', to: '2026-03-15T11:18:00Z' });

    expect(body).toMatchObject({
      acKwh: 1,
      dcKwh: 0.9,
      avgBatteryTemp: 35,
      meterReadings: 1,
      vehicleReadings: 1,
      suspectMeterReadings: 1, // 10:30; 11:20 is after the window
      suspectVehicleReadings: 1,
      suspectReadings: 2,
    });
  });

  it('counts them in the bucket they fall in', async () => {
    const body = await vehicleView(t, 'q-v1', {
      from: '2026-03-15T10:00:00Z',
      to: '2026-03-15T12:00:00Z',
      bucket: '1h',
    });

    expect(body.buckets).toEqual([
      expect.objectContaining({ from: '2026-03-15T10:00:00.000Z', suspectMeterReadings: 1, suspectVehicleReadings: 1 }),
      expect.objectContaining({ from: '2026-03-15T11:00:00.000Z', suspectMeterReadings: 1, suspectVehicleReadings: 0 }),
    ]);
    const quarters = await vehicleView(t, 'q-v1', {
      from: '2026-03-15T10:00:00Z',
      to: '2026-03-15T12:00:00Z',
      bucket: '15m',
    });
    expect(quarters.buckets!.map((bucket) => bucket.suspectReadings)).toEqual([0, 0, 2, 0, 0, 1, 0, 0]);
  });

  it('reports the same counts in the fleet report as in the vehicle view', async () => {
    const row = await fleetRow(t, 'q-v1');
    const view = await vehicleView(t, 'q-v1');

    expect(row).toMatchObject({
      acKwh: view.acKwh,
      dcKwh: view.dcKwh,
      meterReadings: view.meterReadings,
      vehicleReadings: view.vehicleReadings,
      suspectReadings: 3,
      suspectMeterReadings: 2,
      suspectVehicleReadings: 1,
    });
  });

  it("counts the meter's and its vehicles' flagged readings in the meter view", async () => {
    const body = await meterView(t, 'q-m1');

    expect(body).toMatchObject({
      acKwh: 2,
      meterReadings: 2,
      suspectMeterReadings: 2,
      suspectVehicleReadings: 1,
      suspectReadings: 3,
      vehicles: [{ vehicleId: 'q-v1', suspectMeterReadings: 2, suspectVehicleReadings: 1, suspectReadings: 3 }],
    });
  });
});

describe('suspect readings of a shared meter', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ now: NOW, env: { MIN_COVERAGE: '0' } });
    await link(t, 'q-a', 'q-depot');
    await link(t, 'q-b', 'q-depot');
    await postTelemetry(t, [
      meterReading('q-depot', '2026-03-15T10:00:00Z', 2),
      meterReading('q-depot', '2026-03-15T10:30:00Z', 9, SUSPECT_VOLTAGE),
      vehicleReading('q-a', '2026-03-15T10:00:00Z', 0.9),
      vehicleReading('q-a', '2026-03-15T10:05:00Z', 7, SUSPECT_TEMP),
      vehicleReading('q-b', '2026-03-15T10:00:00Z', 0.9),
    ]);
  });

  afterAll(async () => {
    await t.close();
  });

  it("counts the meter's flagged reading for each vehicle that shared it", async () => {
    const a = await vehicleView(t, 'q-a');
    const b = await vehicleView(t, 'q-b');

    expect(a).toMatchObject({ acKwh: 1, suspectMeterReadings: 1, suspectVehicleReadings: 1 });
    expect(b).toMatchObject({ acKwh: 1, suspectMeterReadings: 1, suspectVehicleReadings: 0 });
  });

  it('counts it once in the meter view, with each vehicle its own', async () => {
    const body = await meterView(t, 'q-depot');

    expect(body).toMatchObject({
      acKwh: 2,
      suspectMeterReadings: 1,
      suspectVehicleReadings: 1,
      vehicles: [
        { vehicleId: 'q-a', suspectMeterReadings: 1, suspectVehicleReadings: 1 },
        { vehicleId: 'q-b', suspectMeterReadings: 1, suspectVehicleReadings: 0 },
      ],
    });
  });
});

describe('the threshold a vehicle is judged by', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ now: NOW, env: { MIN_COVERAGE: '0' } });
  });

  afterAll(async () => {
    await t.close();
  });

  it("is its meter's own threshold from the registry", async () => {
    await register(t, 'meters', 'th-m95', 0.95);
    await link(t, 'th-v1', 'th-m95');
    await ingest(t, [
      meterReading('th-m95', '2026-03-15T10:00:00Z', 1),
      vehicleReading('th-v1', '2026-03-15T10:00:00Z', 0.9),
    ]);

    expect(await vehicleView(t, 'th-v1')).toMatchObject({
      efficiency: 0.9,
      threshold: 0.95,
      status: 'below_threshold',
    });
    expect(await fleetRow(t, 'th-v1')).toMatchObject({ threshold: 0.95, status: 'below_threshold' });
    expect(await meterView(t, 'th-m95')).toMatchObject({ threshold: 0.95 });
  });

  it("is the vehicle's own when it has one, whatever its meter's", async () => {
    await register(t, 'meters', 'th-m95b', 0.95);
    await register(t, 'vehicles', 'th-v2', 0.5);
    await link(t, 'th-v2', 'th-m95b');
    await ingest(t, [
      meterReading('th-m95b', '2026-03-15T10:00:00Z', 1),
      vehicleReading('th-v2', '2026-03-15T10:00:00Z', 0.9),
    ]);

    expect(await vehicleView(t, 'th-v2')).toMatchObject({ threshold: 0.5, status: 'ok' });
    expect(await fleetRow(t, 'th-v2')).toMatchObject({ threshold: 0.5, status: 'ok' });
  });

  it("weights its meters' thresholds by the AC attributed from each across a re-point", async () => {
    await register(t, 'meters', 'th-hi', 0.95);
    await link(t, 'th-v3', 'th-hi');
    await request(t.server)
      .post('/v1/links')
      .send({ vehicleId: 'th-v3', meterId: 'th-default', validFrom: '2026-03-15T11:00:00Z' })
      .expect(200); // a re-point
    await ingest(t, [
      meterReading('th-hi', '2026-03-15T10:30:00Z', 4),
      meterReading('th-default', '2026-03-15T11:30:00Z', 6),
      vehicleReading('th-v3', '2026-03-15T10:30:00Z', 3.6),
      vehicleReading('th-v3', '2026-03-15T11:30:00Z', 5.2),
    ]);

    // (4 × 0.95 + 6 × 0.85) / 10 = 0.89: efficiency 0.88 is below it, though above the fleet's 0.85.
    const view = await vehicleView(t, 'th-v3');
    expect(view.efficiency).toBeCloseTo(0.88, 12);
    expect(view.threshold).toBeCloseTo(0.89, 12);
    expect(view.status).toBe('below_threshold');
    const row = await fleetRow(t, 'th-v3');
    expect(row.threshold).toBeCloseTo(0.89, 12);
    expect(row.status).toBe('below_threshold');
    const hours = await vehicleView(t, 'th-v3', {
      from: '2026-03-15T10:00:00Z',
      to: '2026-03-15T12:00:00Z',
      bucket: '1h',
    });
    expect(hours.buckets!.map((bucket) => bucket.threshold)).toEqual([0.95, 0.85]);
  });

  it("is its meter's when no AC was attributed to judge by", async () => {
    await register(t, 'meters', 'th-m95c', 0.95);
    await link(t, 'th-v4', 'th-m95c');
    await ingest(t, [vehicleReading('th-v4', '2026-03-15T10:00:00Z', 0.9)]);

    expect(await vehicleView(t, 'th-v4')).toMatchObject({ threshold: 0.95, status: 'insufficient_data' });
    expect(await fleetRow(t, 'th-v4')).toMatchObject({ threshold: 0.95, status: 'insufficient_data' });
  });
});
