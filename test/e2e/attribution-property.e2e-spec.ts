import fc from 'fast-check';
import request from 'supertest';
import type { FleetReport, FleetVehicle } from '../../src/analytics/dto/fleet.dto.ts';
import type { MeterPerformance } from '../../src/analytics/dto/meter-performance.dto.ts';
import type { VehiclePerformance } from '../../src/analytics/dto/performance.dto.ts';
import { attributionCtes, attributionParams } from '../../src/analytics/attribution.sql.ts';
import { attributionWindow } from '../../src/analytics/report-window.ts';
import { meterReading, vehicleReading } from '../builders/readings.builder.ts';
import { createTestApp, type TestApp } from '../setup/test-app.ts';
import { ingest } from '../support/api.ts';

/**
 * Generated fleets (shared meters, backdated first links, re-points mid-hour, vehicles charging
 * while unlinked): every view is checked against a straightforward recomputation of the rule from
 * the raw readings (below, in plain TypeScript), conservation is checked exactly in NUMERIC, and
 * the fleet report must give the vehicle view's numbers for the same window.
 */
const NOW = new Date('2026-03-15T12:00:00.000Z');
const FROM = new Date('2026-03-15T00:00:00.000Z');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const WINDOW = { from: FROM.toISOString(), to: NOW.toISOString() };

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ now: NOW });
});
afterAll(async () => {
  await t.close();
});

interface Period {
  vehicle: number;
  meter: number;
  from: number; // ms; -Infinity for a first link without validFrom
  to: number; // ms; Infinity while open
}
interface Sample {
  device: number;
  minute: number;
  wh: number; // integer Wh, so that the oracle's float sums stay far from the 1e-6 tolerance
}
interface Fleet {
  meters: number;
  vehicles: number;
  links: { meter: number; startMinute: number | null; repoints: { meter: number; minute: number }[] }[];
  meterSamples: Sample[];
  vehicleSamples: Sample[];
}

const fleetArbitrary: fc.Arbitrary<Fleet> = fc
  .record({ meters: fc.integer({ min: 1, max: 3 }), vehicles: fc.integer({ min: 1, max: 4 }) })
  .chain(({ meters, vehicles }) =>
    fc.record({
      meters: fc.constant(meters),
      vehicles: fc.constant(vehicles),
      links: fc.array(
        fc.record({
          meter: fc.integer({ min: 0, max: meters - 1 }),
          startMinute: fc.option(fc.integer({ min: 0, max: 719 }), { nil: null }),
          repoints: fc.array(
            fc.record({ meter: fc.integer({ min: 0, max: meters - 1 }), minute: fc.integer({ min: 1, max: 719 }) }),
            {
              maxLength: 2,
            },
          ),
        }),
        { minLength: vehicles, maxLength: vehicles },
      ),
      meterSamples: fc.uniqueArray(
        fc.record({
          device: fc.integer({ min: 0, max: meters - 1 }),
          minute: fc.integer({ min: 0, max: 719 }),
          wh: fc.integer({ min: 0, max: 3000 }),
        }),
        { maxLength: 60, selector: (sample) => `${sample.device}:${sample.minute}` },
      ),
      vehicleSamples: fc.uniqueArray(
        fc.record({
          device: fc.integer({ min: 0, max: vehicles - 1 }),
          minute: fc.integer({ min: 0, max: 719 }),
          wh: fc.integer({ min: 0, max: 3000 }),
        }),
        { maxLength: 60, selector: (sample) => `${sample.device}:${sample.minute}` },
      ),
    }),
  );

/** The link periods the API calls below produce: re-points in time order, each ending the previous period. */
function periodsOf(fleet: Fleet): Period[] {
  const periods: Period[] = [];
  fleet.links.forEach((link, vehicle) => {
    const start = link.startMinute === null ? -Infinity : FROM.getTime() + link.startMinute * MINUTE;
    let current: Period = { vehicle, meter: link.meter, from: start, to: Infinity };
    for (const repoint of sortedRepoints(link)) {
      const at = FROM.getTime() + repoint.minute * MINUTE;
      if (repoint.meter === current.meter) continue; // confirmed: nothing changes
      periods.push({ ...current, to: at });
      current = { vehicle, meter: repoint.meter, from: at, to: Infinity };
    }
    periods.push(current);
  });
  return periods;
}

/** Re-points strictly after the first link's start and after each other (others would be 409s). */
function sortedRepoints(link: Fleet['links'][number]): { meter: number; minute: number }[] {
  const after = link.startMinute ?? -1;
  const byMinute = new Map<number, number>();
  for (const repoint of link.repoints) if (repoint.minute > after) byMinute.set(repoint.minute, repoint.meter);
  return [...byMinute.entries()].sort(([a], [b]) => a - b).map(([minute, meter]) => ({ minute, meter }));
}

const tsOf = (sample: Sample): number => FROM.getTime() + sample.minute * MINUTE;

interface Expected {
  acByVehicle: number[];
  dcByVehicle: number[];
  unlinkedDcByVehicle: number[];
  unattributedByMeter: number[];
  totalByMeter: number[];
}

/**
 * The rule, recomputed reading by reading from the raw samples in [from, to); the weights are each
 * vehicle's DC on the meter in the reading's whole hour, inside the window or not.
 */
function oracle(fleet: Fleet, periods: Period[], from = FROM.getTime(), to = NOW.getTime()): Expected {
  const inWindow = (sample: Sample): boolean => tsOf(sample) >= from && tsOf(sample) < to;
  const linkedAt = (meter: number, ts: number): number[] =>
    periods.filter((p) => p.meter === meter && p.from <= ts && ts < p.to).map((p) => p.vehicle);
  const dcOnMeterInHour = (vehicle: number, meter: number, hour: number): number =>
    fleet.vehicleSamples
      .filter((s) => s.device === vehicle && Math.floor(tsOf(s) / HOUR) * HOUR === hour)
      .filter((s) =>
        periods.some((p) => p.vehicle === vehicle && p.meter === meter && p.from <= tsOf(s) && tsOf(s) < p.to),
      )
      .reduce((sum, s) => sum + s.wh / 1000, 0);
  const expected: Expected = {
    acByVehicle: new Array<number>(fleet.vehicles).fill(0),
    dcByVehicle: new Array<number>(fleet.vehicles).fill(0),
    unlinkedDcByVehicle: new Array<number>(fleet.vehicles).fill(0),
    unattributedByMeter: new Array<number>(fleet.meters).fill(0),
    totalByMeter: new Array<number>(fleet.meters).fill(0),
  };
  for (const sample of fleet.meterSamples.filter(inWindow)) {
    const ts = tsOf(sample);
    const kwh = sample.wh / 1000;
    expected.totalByMeter[sample.device]! += kwh;
    const vehicles = linkedAt(sample.device, ts);
    if (vehicles.length === 0) {
      expected.unattributedByMeter[sample.device]! += kwh;
      continue;
    }
    const hour = Math.floor(ts / HOUR) * HOUR;
    const weights = vehicles.map((v) => dcOnMeterInHour(v, sample.device, hour));
    const total = weights.reduce((a, b) => a + b, 0);
    vehicles.forEach((v, i) => {
      const share = vehicles.length === 1 ? 1 : total > 0 ? weights[i]! / total : 1 / vehicles.length;
      expected.acByVehicle[v]! += kwh * share;
    });
  }
  for (const sample of fleet.vehicleSamples.filter(inWindow)) {
    const ts = tsOf(sample);
    const linked = periods.some((p) => p.vehicle === sample.device && p.from <= ts && ts < p.to);
    (linked ? expected.dcByVehicle : expected.unlinkedDcByVehicle)[sample.device]! += sample.wh / 1000;
  }
  return expected;
}

let run = 0;

it('every view follows the rule, conserves AC exactly, and the fleet report equals the vehicle view', async () => {
  await fc.assert(
    fc.asyncProperty(fleetArbitrary, async (fleet) => {
      run += 1;
      const meterIds = Array.from({ length: fleet.meters }, (_, i) => `prop-${run}-m${i}`);
      const vehicleIds = Array.from({ length: fleet.vehicles }, (_, i) => `prop-${run}-v${i}`);
      for (const [vehicle, link] of fleet.links.entries()) {
        const body = { vehicleId: vehicleIds[vehicle], meterId: meterIds[link.meter] };
        const validFrom =
          link.startMinute === null
            ? {}
            : { validFrom: new Date(FROM.getTime() + link.startMinute * MINUTE).toISOString() };
        await request(t.server)
          .post('/v1/links')
          .send({ ...body, ...validFrom })
          .expect(201);
        for (const repoint of sortedRepoints(link)) {
          await request(t.server)
            .post('/v1/links')
            .send({
              ...body,
              meterId: meterIds[repoint.meter],
              validFrom: new Date(FROM.getTime() + repoint.minute * MINUTE).toISOString(),
            })
            .expect(200);
        }
      }
      const readings = [
        ...fleet.meterSamples.map((s) =>
          meterReading(meterIds[s.device]!, new Date(FROM.getTime() + s.minute * MINUTE).toISOString(), s.wh / 1000),
        ),
        ...fleet.vehicleSamples.map((s) =>
          vehicleReading(
            vehicleIds[s.device]!,
            new Date(FROM.getTime() + s.minute * MINUTE).toISOString(),
            s.wh / 1000,
          ),
        ),
      ];
      if (readings.length > 0) await ingest(t, readings);

      const periods = periodsOf(fleet);
      const expected = oracle(fleet, periods);

      const report = (
        await request(t.server)
          .get('/v1/analytics/fleet')
          .query({ ...WINDOW, limit: 1000 })
          .expect(200)
      ).body as FleetReport;
      const fleetRows = new Map<string, FleetVehicle>(report.items.map((item) => [item.vehicleId, item]));
      for (const [v, vehicleId] of vehicleIds.entries()) {
        const answer = (await request(t.server).get(`/v1/analytics/performance/${vehicleId}`).query(WINDOW).expect(200))
          .body as VehiclePerformance;
        expect(answer.acKwh).toBeCloseTo(expected.acByVehicle[v]!, 6);
        expect(answer.dcKwh).toBeCloseTo(expected.dcByVehicle[v]!, 6);
        expect(answer.unlinkedDcKwh).toBeCloseTo(expected.unlinkedDcByVehicle[v]!, 6);
        const row = fleetRows.get(vehicleId)!;
        expect(row).toBeDefined(); // every vehicle here is linked during the window
        // Every figure the two share, exactly (the same units, the same NUMERIC sums).
        const shared = [
          'acKwh',
          'dcKwh',
          'unlinkedDcKwh',
          'efficiency',
          'avgBatteryTemp',
          'meterReadings',
          'vehicleReadings',
          'coverage',
          'status',
        ] as const;
        for (const field of shared) expect([field, row[field]]).toEqual([field, answer[field]]);
      }
      // A window that starts and ends mid-hour: edge hours come from raw readings, weights still from whole hours.
      const [edgeFrom, edgeTo] = [FROM.getTime() + 83 * MINUTE, FROM.getTime() + 651 * MINUTE];
      const edgeExpected = oracle(fleet, periods, edgeFrom, edgeTo);
      const edgeWindow = { from: new Date(edgeFrom).toISOString(), to: new Date(edgeTo).toISOString() };
      for (const [v, vehicleId] of vehicleIds.entries()) {
        for (const bucket of [{}, { bucket: '15m' }]) {
          const answer = (
            await request(t.server)
              .get(`/v1/analytics/performance/${vehicleId}`)
              .query({ ...edgeWindow, ...bucket })
              .expect(200)
          ).body as VehiclePerformance;
          expect(answer.acKwh).toBeCloseTo(edgeExpected.acByVehicle[v]!, 6);
          expect(answer.dcKwh).toBeCloseTo(edgeExpected.dcByVehicle[v]!, 6);
          if (answer.buckets) {
            expect(answer.buckets.reduce((sum, b) => sum + b.acKwh, 0)).toBeCloseTo(answer.acKwh, 6);
          }
        }
      }
      for (const [m, meterId] of meterIds.entries()) {
        const res = await request(t.server).get(`/v1/analytics/meters/${meterId}`).query(WINDOW);
        const seen = fleet.meterSamples.some((s) => s.device === m) || periods.some((p) => p.meter === m);
        if (!seen) {
          expect(res.status).toBe(404);
          continue;
        }
        const depot = res.body as MeterPerformance;
        expect(depot.acKwh).toBeCloseTo(expected.totalByMeter[m]!, 6);
        expect(depot.unattributedAcKwh).toBeCloseTo(expected.unattributedByMeter[m]!, 6);
        for (const bucket of [undefined, 900]) {
          const [row] = await t.db.query<{ equal: boolean | null }>(
            `WITH ${attributionCtes('meter')}
             SELECT coalesce((SELECT sum(share) + coalesce(sum(ac) FILTER (WHERE vehicle_id IS NULL), 0) FROM shares), 0)
                  = coalesce((SELECT sum(kwh_consumed_ac) FROM meter_telemetry WHERE meter_id = $9 AND ts >= $1 AND ts < $2), 0) AS equal`,
            [...attributionParams(attributionWindow({ from: FROM, to: NOW }, bucket)), meterId],
          );
          expect(row?.equal).toBe(true);
        }
      }
    }),
    { numRuns: 25, seed: 20261201 },
  );
});
