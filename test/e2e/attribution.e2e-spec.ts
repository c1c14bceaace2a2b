import request from 'supertest';
import type { FleetReport } from '../../src/analytics/dto/fleet.dto.ts';
import type { MeterPerformance } from '../../src/analytics/dto/meter-performance.dto.ts';
import type { VehiclePerformance } from '../../src/analytics/dto/performance.dto.ts';
import { attributionCtes, attributionParams } from '../../src/analytics/attribution.sql.ts';
import { attributionWindow } from '../../src/analytics/report-window.ts';
import { meterReading, vehicleReading } from '../builders/readings.builder.ts';
import { createTestApp, type TestApp } from '../setup/test-app.ts';
import { ingest } from '../support/api.ts';

/**
 * The attribution rule (README "How energy is attributed"): a meter reading belongs to the vehicles
 * linked to its meter at its own timestamp; within each UTC hour a shared meter's AC is split in
 * proportion to its vehicles' DC (all to a sole vehicle, equally when none reported DC).
 */
const NOW = new Date('2026-03-15T12:00:00.000Z');
const DAY_START = '2026-03-15T00:00:00.000Z';
const at = (hhmm: string, day = '2026-03-15'): string => `${day}T${hhmm}:00.000Z`;

let seq = 0;
const id = (kind: string): string => `at-${kind}-${++seq}`;

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

async function postLink(vehicleId: string, meterId: string, validFrom?: string, expected = 201): Promise<void> {
  await request(t.server)
    .post('/v1/links')
    .send({ vehicleId, meterId, ...(validFrom === undefined ? {} : { validFrom }) })
    .expect(expected);
}

async function vehicle(vehicleId: string, query: Record<string, string> = {}): Promise<VehiclePerformance> {
  const res = await request(t.server).get(`/v1/analytics/performance/${vehicleId}`).query(query).expect(200);
  return res.body as VehiclePerformance;
}

async function meter(meterId: string, query: Record<string, string> = {}): Promise<MeterPerformance> {
  const res = await request(t.server).get(`/v1/analytics/meters/${meterId}`).query(query).expect(200);
  return res.body as MeterPerformance;
}

async function fleet(query: Record<string, string | number> = {}): Promise<FleetReport> {
  const res = await request(t.server).get('/v1/analytics/fleet').query(query).expect(200);
  return res.body as FleetReport;
}

/** Readings of one device every `stepMinutes` over [from, to) (HH:MM today), each of `kwh`. */
function everyMinutes(make: (timestamp: string) => object, from: string, to: string, stepMinutes: number): object[] {
  const readings: object[] = [];
  for (let ms = Date.parse(at(from)); ms < Date.parse(at(to)); ms += stepMinutes * 60_000) {
    readings.push(make(new Date(ms).toISOString()));
  }
  return readings;
}

const window = { from: DAY_START, to: NOW.toISOString() };

describe('a re-point mid-hour', () => {
  it('gives each meter the readings of its own period, exactly at the boundary', async () => {
    const [v, m1, m2] = [id('veh'), id('met'), id('met')];
    await postLink(v, m1); // first link: covers all time before
    await postLink(v, m2, at('05:30'), 200); // moved to m2 at 05:30, mid-hour
    await ingest(t, [
      ...everyMinutes((ts) => meterReading(m1, ts, 1), '00:00', '12:00', 10), // 72 readings, 1 kWh each
      ...everyMinutes((ts) => meterReading(m2, ts, 2), '00:00', '12:00', 10), // 72 readings, 2 kWh each
      ...everyMinutes((ts) => vehicleReading(v, ts, 0.9), '00:00', '12:00', 10),
    ]);

    const answer = await vehicle(v, window);

    // m1 until 05:30 (05:30 itself excluded): 33 readings; m2 from 05:30 (included): 39 readings.
    expect(answer.acKwh).toBe(33 * 1 + 39 * 2);
    expect(answer.meterReadings).toBe(72);
    expect(answer.dcKwh).toBeCloseTo(72 * 0.9, 9);
    expect(answer.meterId).toBe(m2);
    expect(answer.meters).toEqual([
      { meterId: m1, from: DAY_START, to: at('05:30'), acKwh: 33 },
      { meterId: m2, from: at('05:30'), to: NOW.toISOString(), acKwh: 78 },
    ]);
    // m2 had nobody linked before 05:30: that AC is unattributed, not anybody's.
    const depot = await meter(m2, window);
    expect(depot.acKwh).toBe(144);
    expect(depot.unattributedAcKwh).toBe(33 * 2);
    expect(depot.vehicles).toEqual([
      {
        vehicleId: v,
        acKwh: 78,
        dcKwh: expect.closeTo(39 * 0.9, 9),
        efficiency: expect.any(Number),
        suspectReadings: 0,
        suspectMeterReadings: 0,
        suspectVehicleReadings: 0,
      },
    ]);
  });

  it('gives hourly buckets that add up to the window and split the boundary hour', async () => {
    const [v, m1, m2] = [id('veh'), id('met'), id('met')];
    await postLink(v, m1);
    await postLink(v, m2, at('05:30'), 200);
    await ingest(t, [
      ...everyMinutes((ts) => meterReading(m1, ts, 1), '05:00', '06:00', 10),
      ...everyMinutes((ts) => meterReading(m2, ts, 2), '05:00', '06:00', 10),
    ]);

    const answer = await vehicle(v, { ...window, bucket: '1h' });

    const five = answer.buckets!.find((bucket) => bucket.from === at('05:00'))!;
    expect(five.acKwh).toBe(3 * 1 + 3 * 2); // 05:00, :10, :20 from m1; :30, :40, :50 from m2
    expect(answer.buckets!.reduce((sum, bucket) => sum + bucket.acKwh, 0)).toBe(answer.acKwh);
  });
});

describe('a backdated first link', () => {
  it('starts at validFrom: earlier AC is unattributed and earlier DC is unlinked', async () => {
    const [v, m] = [id('veh'), id('met')];
    await postLink(v, m, at('04:00'));
    await ingest(t, [
      ...everyMinutes((ts) => meterReading(m, ts, 1), '02:00', '06:00', 30), // 8 readings, 4 before 04:00
      ...everyMinutes((ts) => vehicleReading(v, ts, 0.5), '02:00', '06:00', 30),
    ]);

    const answer = await vehicle(v, window);

    expect(answer).toMatchObject({ acKwh: 4, dcKwh: 2, unlinkedDcKwh: 2, efficiency: 0.5, vehicleReadings: 8 });
    expect((await meter(m, window)).unattributedAcKwh).toBe(4);
  });
});

describe('three vehicles on one depot meter', () => {
  it('gives each vehicle its own efficiency when they charge at different hours', async () => {
    const [a, b, c, m] = [id('veh'), id('veh'), id('veh'), id('met')];
    for (const v of [a, b, c]) await postLink(v, m);
    const charge = (v: string, from: string, to: string, dc: number, efficiency: number): object[] => [
      ...everyMinutes((ts) => vehicleReading(v, ts, dc), from, to, 15),
      ...everyMinutes((ts) => meterReading(m, ts, dc / efficiency), from, to, 15),
    ];
    // Each hour only one vehicle charges; the other two report 0 DC (plugged in, not charging).
    const idle = (v: string, from: string, to: string): object[] =>
      everyMinutes((ts) => vehicleReading(v, ts, 0), from, to, 15);
    await ingest(t, [
      ...charge(a, '01:00', '03:00', 0.8, 0.8),
      ...idle(b, '01:00', '03:00'),
      ...idle(c, '01:00', '03:00'),
      ...charge(b, '03:00', '05:00', 0.9, 0.9),
      ...idle(a, '03:00', '05:00'),
      ...idle(c, '03:00', '05:00'),
      ...charge(c, '05:00', '07:00', 0.95, 0.95),
      ...idle(a, '05:00', '07:00'),
      ...idle(b, '05:00', '07:00'),
    ]);

    const [ea, eb, ec] = await Promise.all([a, b, c].map(async (v) => (await vehicle(v, window)).efficiency));
    expect(ea).toBeCloseTo(0.8, 9);
    expect(eb).toBeCloseTo(0.9, 9);
    expect(ec).toBeCloseTo(0.95, 9);

    // The fleet report (meter filter) shows the same, and its AC column sums to what the meter measured.
    const report = await fleet({ from: DAY_START, to: NOW.toISOString(), meterId: m });
    expect(report.items.map((item) => item.vehicleId)).toEqual([a, b, c]); // worst first
    const depot = await meter(m, window);
    expect(report.items.reduce((sum, item) => sum + item.acKwh, 0)).toBeCloseTo(depot.acKwh, 9);
    expect(depot.unattributedAcKwh).toBe(0);
  });

  it('splits an hour two vehicles share in proportion to their DC', async () => {
    const [a, b, m] = [id('veh'), id('veh'), id('met')];
    await postLink(a, m);
    await postLink(b, m);
    await ingest(t, [
      meterReading(m, at('08:00'), 10),
      meterReading(m, at('08:30'), 2),
      vehicleReading(a, at('08:10'), 3), // a: 3 of 9 DC in the hour
      vehicleReading(b, at('08:20'), 6), // b: 6 of 9
    ]);

    expect((await vehicle(a, window)).acKwh).toBe(4);
    expect((await vehicle(b, window)).acKwh).toBe(8);
  });

  it('splits equally when none of them reported DC, and counts it as idle draw', async () => {
    const [a, b, c, m] = [id('veh'), id('veh'), id('veh'), id('met')];
    for (const v of [a, b, c]) await postLink(v, m);
    await ingest(t, [meterReading(m, at('09:00'), 1)]);

    const depot = await meter(m, window);

    expect(depot.idleAcKwh).toBe(1);
    const shares = depot.vehicles.map((share) => share.acKwh);
    // 1/3 each, rounded cumulatively to 1e-9 kWh (round(k/3) − round((k−1)/3)), so they add up to 1 exactly.
    expect(shares).toEqual([0.333333333, 0.333333334, 0.333333333]);
  });
});

describe('conservation, exactly, in NUMERIC', () => {
  it('attributed + unattributed = the meter total for a shared meter with link changes', async () => {
    const [a, b, c, m] = [id('veh'), id('veh'), id('veh'), id('met')];
    await postLink(a, m, at('01:00'));
    await postLink(b, m, at('02:17'));
    await postLink(c, m, at('03:41'));
    await postLink(a, id('met'), at('06:05'), 200);
    await ingest(t, [
      ...everyMinutes((ts) => meterReading(m, ts, 0.7), '00:00', '12:00', 7),
      ...everyMinutes((ts) => vehicleReading(a, ts, 0.11), '00:00', '12:00', 11),
      ...everyMinutes((ts) => vehicleReading(b, ts, 0.13), '00:00', '12:00', 13),
      ...everyMinutes((ts) => vehicleReading(c, ts, 0.17), '00:00', '12:00', 17),
    ]);
    for (const bucket of [undefined, 900, 3600]) {
      const sums = await exactSums(m, { from: new Date(DAY_START), to: NOW }, bucket);
      expect(Number(sums.total)).toBe(72.1); // 103 readings × 0.7
      expect(sums.attributedPlusUnattributedEqualsTotal).toBe(true); // compared as NUMERIC: exactly equal
      expect(Number(sums.unattributed)).toBeGreaterThan(0); // nobody was linked before 01:00
    }
  });
});

/** The meter's total and the attribution's parts, as exact decimal strings, from the statement's own CTEs. */
async function exactSums(
  meterId: string,
  window: { from: Date; to: Date },
  bucketSeconds?: number,
): Promise<{ total: string; unattributed: string; attributedPlusUnattributedEqualsTotal: boolean }> {
  const [row] = await t.db.query<{ total: string; unattributed: string; equal: boolean }>(
    `WITH ${attributionCtes('meter')}
     SELECT (SELECT sum(kwh_consumed_ac) FROM meter_telemetry WHERE meter_id = $9 AND ts >= $1 AND ts < $2)::text AS total,
            (SELECT coalesce(sum(ac), 0) FROM shares WHERE vehicle_id IS NULL)::text AS unattributed,
            (SELECT sum(share) + coalesce(sum(ac) FILTER (WHERE vehicle_id IS NULL), 0) FROM shares)
              = (SELECT sum(kwh_consumed_ac) FROM meter_telemetry WHERE meter_id = $9 AND ts >= $1 AND ts < $2) AS equal`,
    [...attributionParams(attributionWindow(window, bucketSeconds)), meterId],
  );
  return { total: row!.total, unattributed: row!.unattributed, attributedPlusUnattributedEqualsTotal: row!.equal };
}

describe('judging a vehicle: coverage and status (default MIN_COVERAGE 0.5, READING_INTERVAL_SECONDS 60)', () => {
  it('judges a vehicle that reported all day, and ranks one with too few readings or no DC after it', async () => {
    const [full, sparse, unplugged] = [id('veh'), id('veh'), id('veh')];
    const meters = [id('met'), id('met'), id('met')];
    await postLink(full, meters[0]!);
    await postLink(sparse, meters[1]!);
    await postLink(unplugged, meters[2]!);
    const day = { from: '2026-03-14T12:00:00.000Z', to: NOW.toISOString() };
    const minutes = Array.from({ length: 1440 }, (_, i) => new Date(Date.parse(day.from) + i * 60_000).toISOString());
    await ingest(t, [
      ...minutes.map((ts) => meterReading(meters[0]!, ts, 0.01)),
      ...minutes.map((ts) => vehicleReading(full, ts, 0.007)), // 70 %: a faulty charger, and we know it
      ...minutes.map((ts) => meterReading(meters[1]!, ts, 0.01)),
      ...minutes.slice(0, 600).map((ts) => vehicleReading(sparse, ts, 0.001)), // 600 of 1,440: coverage 0.42
      ...minutes.map((ts) => meterReading(meters[2]!, ts, 0.001)), // standby draw
      ...minutes.map((ts) => vehicleReading(unplugged, ts, 0)), // reports all day, never charges
    ]);

    const report = await fleet({ ...day, limit: 1000 });
    const rows = report.items.filter((item) => [full, sparse, unplugged].includes(item.vehicleId));

    expect(rows.map((row) => [row.vehicleId, row.status, row.coverage])).toEqual([
      [full, 'below_threshold', 1],
      [unplugged, 'insufficient_data', 1], // efficiency 0, but no DC at all: not judged
      [sparse, 'insufficient_data', 600 / 1440],
    ]);
    expect((await vehicle(sparse, day)).status).toBe('insufficient_data');
    expect((await vehicle(full, day)).efficiency).toBeCloseTo(0.7, 12);
  });
});

describe('GET /v1/analytics/meters/:meterId', () => {
  it('answers 404 in the error shape for a meter never seen, 400 for a bad id', async () => {
    const res = await request(t.server)
      .get(`/v1/analytics/meters/${id('never')}`)
      .expect(404);
    expect(res.body).toEqual({ statusCode: 404, error: 'Not Found', message: expect.stringContaining('never') });
    await request(t.server).get('/v1/analytics/meters/bad%20id').expect(400);
  });

  it('answers a meter that only ever reported (no link): all of its AC unattributed', async () => {
    const m = id('met');
    await ingest(t, [meterReading(m, at('03:00'), 1.5)]);

    expect(await meter(m, window)).toMatchObject({ acKwh: 1.5, unattributedAcKwh: 1.5, vehicles: [], dcKwh: 0 });
  });

  it('splits the buckets like the totals: Σ buckets = the window, per field', async () => {
    const [a, b, m] = [id('veh'), id('veh'), id('met')];
    await postLink(a, m);
    await postLink(b, m, at('04:20'));
    await ingest(t, [
      ...everyMinutes((ts) => meterReading(m, ts, 0.5), '03:00', '07:00', 10),
      ...everyMinutes((ts) => vehicleReading(a, ts, 0.2), '03:00', '05:00', 10),
      ...everyMinutes((ts) => vehicleReading(b, ts, 0.3), '05:00', '06:00', 10),
    ]);

    const depot = await meter(m, { ...window, bucket: '1h' });

    const sum = (field: 'acKwh' | 'dcKwh' | 'idleAcKwh' | 'unattributedAcKwh'): number =>
      depot.buckets!.reduce((total, bucket) => total + bucket[field], 0);
    expect(sum('acKwh')).toBeCloseTo(depot.acKwh, 9);
    expect(sum('dcKwh')).toBeCloseTo(depot.dcKwh, 9);
    expect(sum('idleAcKwh')).toBeCloseTo(depot.idleAcKwh, 9);
    expect(depot.idleAcKwh).toBe(3); // 06:00–07:00: six readings, nobody charging
    expect(depot.vehicles.reduce((total, share) => total + share.acKwh, 0) + depot.unattributedAcKwh).toBeCloseTo(
      depot.acKwh,
      9,
    );
  });
});

describe("the README's worked example", () => {
  it('attributes the depot meter as the README table says', async () => {
    const [a, b, d] = [id('ev-a'), id('ev-b'), id('depot')];
    await postLink(a, d);
    await postLink(b, d, at('08:20'));
    await ingest(t, [
      meterReading(d, at('07:30'), 10),
      vehicleReading(a, at('07:45'), 9),
      meterReading(d, at('08:10'), 2),
      meterReading(d, at('08:40'), 8),
      vehicleReading(a, at('08:15'), 2),
      vehicleReading(b, at('08:50'), 6),
      meterReading(d, at('09:30'), 2),
      vehicleReading(a, at('09:30'), 0),
      vehicleReading(b, at('09:30'), 0),
    ]);

    const [va, vb, depot] = [await vehicle(a, window), await vehicle(b, window), await meter(d, window)];

    expect(va).toMatchObject({ acKwh: 15, dcKwh: 11 });
    expect(va.efficiency).toBeCloseTo(11 / 15, 12);
    expect(vb).toMatchObject({ acKwh: 7, dcKwh: 6 });
    expect(depot).toMatchObject({ acKwh: 22, dcKwh: 17, unattributedAcKwh: 0, idleAcKwh: 2 });
  });
});
