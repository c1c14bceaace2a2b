import fc from 'fast-check';
import pg from 'pg';
import request from 'supertest';
import type { FleetReport } from '../../src/analytics/dto/fleet.dto.ts';
import { AttributionSnapshots } from '../../src/analytics/attribution-snapshots.ts';
import { meterReading, vehicleReading } from '../builders/readings.builder.ts';
import { createTestApp, type TestApp } from '../setup/test-app.ts';
import { ingest } from '../support/api.ts';

/**
 * The fleet report reads attribution snapshots (attributed_hourly) for settled hours whose day is
 * built and current, and computes the rest live. These tests pin that it is the same report either
 * way, that it really reads the snapshots, and that every change to their inputs (late readings,
 * link changes, roll-up deletions) makes them stale at once, before any rebuild.
 *
 * The data sits in the three UTC days before yesterday (real time): settled, inside the 32-day horizon.
 */
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const BASE = Math.floor(Date.now() / DAY) * DAY - 4 * DAY; // a UTC midnight
const at = (minute: number): string => new Date(BASE + minute * MINUTE).toISOString();
const SPAN_MINUTES = 3 * 24 * 60;
/** Windows of whole hours: across three days from mid-day to mid-day, one whole day, all three days. */
const WINDOWS = [
  { from: at(5 * 60), to: at(2 * 24 * 60 + 7 * 60) },
  { from: at(24 * 60), to: at(2 * 24 * 60) },
  { from: at(0), to: at(SPAN_MINUTES) },
];

let t: TestApp;
let snapshots: AttributionSnapshots;
beforeAll(async () => {
  t = await createTestApp();
  snapshots = t.app.get(AttributionSnapshots);
});
afterAll(async () => {
  await t.close();
});

/**
 * GET /v1/analytics/fleet. Battery temperatures are float8 sums (shown, never billed): a snapshot's
 * running sums and a live sum add the same values in another order, so the average may differ in
 * its last binary digits; it is compared to 9 decimals. Every energy figure and count is exact.
 */
async function fleet(window: { from: string; to: string }, extra = ''): Promise<FleetReport> {
  const res = await request(t.server)
    .get(`/v1/analytics/fleet?from=${window.from}&to=${window.to}&limit=500${extra}`)
    .expect(200);
  const report = res.body as FleetReport;
  for (const item of report.items) {
    if (item.avgBatteryTemp !== null) item.avgBatteryTemp = Number(item.avgBatteryTemp.toFixed(9));
  }
  return report;
}

/** The report as the rule gives it live: with no snapshot day recorded, every hour is computed. */
async function liveFleet(window: { from: string; to: string }): Promise<FleetReport> {
  const saved = await t.db.query('SELECT * FROM attribution_days');
  await t.db.query('DELETE FROM attribution_days');
  try {
    return await fleet(window);
  } finally {
    for (const row of saved) {
      await t.db.query('INSERT INTO attribution_days (day, built_end, built_at) VALUES ($1, $2, $3)', [
        row.day,
        row.built_end,
        row.built_at,
      ]);
    }
  }
}

/** Days whose snapshot the reader would use now (built, current, complete). */
async function currentDays(): Promise<string[]> {
  const rows = await t.db.query<{ day: string }>(`
    SELECT to_char(b.day AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day FROM attribution_days b
    WHERE NOT EXISTS (SELECT 1 FROM attribution_changes c WHERE c.day = b.day)
      AND b.built_end = b.day + interval '24 hours' ORDER BY 1`);
  return rows.map((row) => row.day);
}

const SPAN_DAYS = [0, 1, 2].map((d) => new Date(BASE + d * DAY).toISOString().slice(0, 10));

interface Sample {
  device: number;
  minute: number;
  wh: number;
}
const samples = (devices: number): fc.Arbitrary<Sample[]> =>
  fc.uniqueArray(
    fc.record({
      device: fc.integer({ min: 0, max: devices - 1 }),
      minute: fc.integer({ min: 0, max: SPAN_MINUTES - 1 }),
      wh: fc.integer({ min: 0, max: 3000 }),
    }),
    { maxLength: 40, selector: (sample) => `${sample.device}:${sample.minute}` },
  );

const fleetArbitrary = fc
  .record({ meters: fc.integer({ min: 1, max: 3 }), vehicles: fc.integer({ min: 1, max: 4 }) })
  .chain(({ meters, vehicles }) =>
    fc.record({
      meters: fc.constant(meters),
      vehicles: fc.constant(vehicles),
      links: fc.array(
        fc.record({
          meter: fc.integer({ min: 0, max: meters - 1 }),
          startMinute: fc.option(fc.integer({ min: 0, max: SPAN_MINUTES - 1 }), { nil: null }),
          repoint: fc.option(
            fc.record({
              meter: fc.integer({ min: 0, max: meters - 1 }),
              minute: fc.integer({ min: 1, max: SPAN_MINUTES - 1 }),
            }),
            { nil: null },
          ),
        }),
        { minLength: vehicles, maxLength: vehicles },
      ),
      meterSamples: samples(meters),
      vehicleSamples: samples(vehicles),
      // A day as an earlier build left it, built through its first `hours` hours: the next build extends it.
      cut: fc.record({ day: fc.integer({ min: 0, max: 2 }), hours: fc.integer({ min: 1, max: 23 }) }),
      change: fc.oneof(
        fc.record({ kind: fc.constant('meter' as const), minute: fc.integer({ min: 0, max: SPAN_MINUTES - 1 }) }),
        fc.record({ kind: fc.constant('vehicle' as const), minute: fc.integer({ min: 0, max: SPAN_MINUTES - 1 }) }),
        {
          weight: 3,
          arbitrary: fc.record({
            kind: fc.constant('repoint' as const),
            minute: fc.integer({ min: 1, max: SPAN_MINUTES - 1 }),
          }),
        },
        fc.record({ kind: fc.constant('unlink' as const), minute: fc.constant(0) }),
      ),
    }),
  );

let run = 0;

it('reads the same report from snapshots as live, and a change to any input makes them stale at once', async () => {
  await fc.assert(
    fc.asyncProperty(fleetArbitrary, async (generated) => {
      run += 1;
      const meterIds = Array.from({ length: generated.meters }, (_, i) => `snap-${run}-m${i}`);
      const vehicleIds = Array.from({ length: generated.vehicles }, (_, i) => `snap-${run}-v${i}`);
      for (const [vehicle, link] of generated.links.entries()) {
        const body = { vehicleId: vehicleIds[vehicle], meterId: meterIds[link.meter] };
        const validFrom = link.startMinute === null ? {} : { validFrom: at(link.startMinute) };
        await request(t.server)
          .post('/v1/links')
          .send({ ...body, ...validFrom })
          .expect(201);
        const repoint = link.repoint;
        if (repoint !== null && repoint.minute > (link.startMinute ?? -1) && repoint.meter !== link.meter) {
          await request(t.server)
            .post('/v1/links')
            .send({ ...body, meterId: meterIds[repoint.meter], validFrom: at(repoint.minute) })
            .expect(200);
        }
      }
      const readings = [
        ...generated.meterSamples.map((s) => meterReading(meterIds[s.device]!, at(s.minute), s.wh / 1000)),
        ...generated.vehicleSamples.map((s) =>
          vehicleReading(vehicleIds[s.device]!, at(s.minute), s.wh / 1000, 20 + s.wh / 100),
        ),
      ];
      if (readings.length > 0) await ingest(t, readings);

      const live: FleetReport[] = [];
      for (const window of WINDOWS) live.push(await liveFleet(window));
      const outcome = await snapshots.build();
      expect(outcome.ran).toBe(true);
      expect(await currentDays()).toEqual(expect.arrayContaining(SPAN_DAYS));
      for (const [i, window] of WINDOWS.entries()) expect(await fleet(window)).toEqual(live[i]);

      const cutDay = new Date(BASE + generated.cut.day * DAY).toISOString();
      const cutAt = new Date(BASE + generated.cut.day * DAY + generated.cut.hours * HOUR).toISOString();
      await t.db.query(
        `DELETE FROM attributed_hourly WHERE hour >= $1::timestamptz AND hour < $2::timestamptz + interval '24 hours'`,
        [cutAt, cutDay],
      );
      await t.db.query(`UPDATE attribution_days SET built_end = $2 WHERE day = $1::timestamptz`, [cutDay, cutAt]);
      const extended = await snapshots.build();
      expect(extended.built).toEqual([expect.objectContaining({ day: cutDay.slice(0, 10), from: cutAt })]);
      for (const [i, window] of WINDOWS.entries()) expect(await fleet(window)).toEqual(live[i]);

      // One more change, after the build: the report must follow it before any rebuild.
      const { change } = generated;
      if (change.kind === 'meter') {
        // A minute no sample holds (samples use whole minutes; this one is 7 s past).
        await ingest(t, [
          meterReading(meterIds[0]!, new Date(Date.parse(at(change.minute)) + 7_000).toISOString(), 1.234),
        ]);
      } else if (change.kind === 'vehicle') {
        await ingest(t, [
          vehicleReading(vehicleIds[0]!, new Date(Date.parse(at(change.minute)) + 7_000).toISOString(), 0.777),
        ]);
      } else if (change.kind === 'repoint') {
        const to = meterIds[(generated.links[0]!.meter + 1) % meterIds.length]!;
        await request(t.server)
          .post('/v1/links')
          .send({ vehicleId: vehicleIds[0], meterId: to, validFrom: at(change.minute) });
      } else {
        await request(t.server).delete(`/v1/links/${vehicleIds[0]}`);
      }
      const afterChange: FleetReport[] = [];
      for (const window of WINDOWS) afterChange.push(await fleet(window));
      for (const [i, window] of WINDOWS.entries()) expect(afterChange[i]).toEqual(await liveFleet(window));
      expect((await snapshots.build()).ran).toBe(true);
      for (const [i, window] of WINDOWS.entries()) expect(await fleet(window)).toEqual(afterChange[i]);
    }),
    { numRuns: 12, seed: 20261203 },
  );
}, 240_000);

describe('a fixed fleet', () => {
  const day = { from: at(24 * 60), to: at(2 * 24 * 60) };
  const vehicle = 'snap-fixed-v';
  const meter = 'snap-fixed-m';
  let acTrue: number;

  beforeAll(async () => {
    await request(t.server).post('/v1/links').send({ vehicleId: vehicle, meterId: meter }).expect(201);
    await ingest(t, [
      meterReading(meter, at(24 * 60 + 3 * 60), 10),
      meterReading(meter, at(24 * 60 + 4 * 60 + 30), 5),
      vehicleReading(vehicle, at(24 * 60 + 3 * 60 + 1), 9),
      vehicleReading(vehicle, at(24 * 60 + 4 * 60 + 31), 4),
    ]);
    expect((await snapshots.build()).ran).toBe(true);
    const report = await fleet(day, `&meterId=${meter}`);
    acTrue = report.items[0]!.acKwh;
    expect(acTrue).toBe(15);
  });

  it('really reads the snapshot: a corrupted snapshot row shows in the report until its day moves on', async () => {
    await t.db.query(`UPDATE attributed_hourly SET ac_kwh = ac_kwh + 100 WHERE vehicle_id = $1`, [vehicle]);
    expect((await fleet(day, `&meterId=${meter}`)).items[0]!.acKwh).toBe(115);

    // A late reading into a settled hour of that day records a change: the report is live again, and true.
    await ingest(t, [meterReading(meter, at(24 * 60 + 5 * 60), 2)]);
    expect((await fleet(day, `&meterId=${meter}`)).items[0]!.acKwh).toBe(17);
    expect((await snapshots.build()).ran).toBe(true);
    expect((await fleet(day, `&meterId=${meter}`)).items[0]!.acKwh).toBe(17);
  });

  it('records a change of the day of every roll-up row a statement changes, deletions included (retention)', async () => {
    const changesOf = (dayStart: string): Promise<number> =>
      t.db.count('attribution_changes', 'day = $1::timestamptz', [dayStart]);
    const before = await changesOf(day.from);
    await t.db.query(`DELETE FROM meter_hourly WHERE meter_id = $1 AND hour = $2::timestamptz`, [
      meter,
      at(24 * 60 + 5 * 60),
    ]);
    expect(await changesOf(day.from)).toBe(before + 1);
    await t.db.query(`UPDATE vehicle_hourly SET kwh = kwh WHERE vehicle_id = $1`, [vehicle]);
    expect(await changesOf(day.from)).toBe(before + 2);
    // The current hour is not settled: a reading in it records nothing.
    const now = new Date();
    const today = new Date(Math.floor(now.getTime() / DAY) * DAY).toISOString();
    const todayBefore = await changesOf(today);
    await ingest(t, [meterReading(meter, now.toISOString(), 1)]);
    expect(await changesOf(today)).toBe(todayBefore);
    expect(await changesOf(day.from)).toBe(before + 2);
  });

  it('reads the registry live: a meter threshold set after the build applies at once', async () => {
    expect((await snapshots.build()).ran).toBe(true);
    const before = (await fleet(day, `&meterId=${meter}`)).items[0]!;
    expect(before.threshold).toBe(0.85);
    await request(t.server)
      .put(`/v1/meters/${meter}`)
      .send({ energyMode: 'interval', efficiencyThreshold: 0.95 })
      .expect(200);
    expect((await fleet(day, `&meterId=${meter}`)).items[0]!.threshold).toBe(0.95);
  });

  it('follows a backdated re-point made after the build at once', async () => {
    const other = 'snap-fixed-m2';
    await ingest(t, [meterReading(other, at(24 * 60 + 6 * 60 + 10), 3)]);
    expect((await snapshots.build()).ran).toBe(true);
    const before = (await fleet(day, `&meterId=${meter}`)).items[0]!;
    await request(t.server)
      .post('/v1/links')
      .send({ vehicleId: vehicle, meterId: other, validFrom: at(24 * 60 + 6 * 60) })
      .expect(200);
    const after = (await fleet(day, `&meterId=${meter}`)).items[0]!;
    expect(after.acKwh).toBe(before.acKwh + 3);
    expect(await fleet(day)).toEqual(await liveFleet(day));
  });

  it('reads a window that ends in the current hour from snapshots up to the settled end, and live after', async () => {
    const now = Date.now();
    const lastHour = Math.floor(now / HOUR) * HOUR - HOUR;
    await ingest(t, [
      // The vehicle is on m2 since the re-point above.
      meterReading('snap-fixed-m2', new Date(lastHour + 60_000).toISOString(), 0.5),
      vehicleReading(vehicle, new Date(lastHour + 61_000).toISOString(), 0.4),
      meterReading('snap-fixed-m2', new Date(now - 5_000).toISOString(), 0.25),
    ]);
    expect((await snapshots.build()).ran).toBe(true);
    const [today] = await t.db.query<{ built_end: Date }>(
      `SELECT built_end FROM attribution_days WHERE day = $1::timestamptz`,
      [new Date(Math.floor(now / DAY) * DAY).toISOString()],
    );
    // Built through the settled hours of today (none in the first minutes after midnight).
    expect(today === undefined || today.built_end.getTime() <= Math.floor(now / HOUR) * HOUR).toBe(true);
    const window = { from: at(0), to: new Date(Math.ceil(now / HOUR) * HOUR).toISOString() };
    const mixed = await fleet(window);
    expect(mixed).toEqual(await liveFleet(window));
    // The current hour's reading is in it (read live): 0.25 kWh more than the window's settled part.
    const settledPart = await fleet({ from: window.from, to: new Date(Math.floor(now / HOUR) * HOUR).toISOString() });
    const acOf = (report: FleetReport): number => report.items.find((item) => item.vehicleId === vehicle)!.acKwh;
    expect(acOf(mixed)).toBeCloseTo(acOf(settledPart) + 0.25, 9);
  });

  it('does not build while a writer holds the roll-ups, and builds what it then committed', async () => {
    const writer = new pg.Client({ connectionString: t.config.DATABASE_URL });
    await writer.connect();
    try {
      await writer.query('BEGIN');
      await writer.query(`UPDATE vehicle_hourly SET kwh = kwh + 1 WHERE vehicle_id = $1 AND hour = $2::timestamptz`, [
        vehicle,
        at(24 * 60 + 3 * 60),
      ]);
      expect(await snapshots.build()).toEqual({ ran: false, built: [] });
      await writer.query('COMMIT');
    } finally {
      await writer.end();
    }
    expect((await snapshots.build()).built.map((b) => b.day)).toContain(SPAN_DAYS[1]);
    expect((await fleet(day, `&meterId=${meter}`)).items[0]!.dcKwh).toBe(14);
    expect(await fleet(day)).toEqual(await liveFleet(day));
  });

  it('counts reports by source and the days rebuilt in /metrics', async () => {
    expect((await snapshots.build()).ran).toBe(true);
    await fleet(day);
    const text = (await request(t.server).get('/metrics').expect(200)).text;
    const value = (pattern: RegExp): number => Number(pattern.exec(text)?.[1] ?? NaN);
    expect(value(/^fleet_reports_total\{source="snapshots"\} (\d+)$/m)).toBeGreaterThan(0);
    expect(value(/^fleet_reports_total\{source="live"\} (\d+)$/m)).toBeGreaterThan(0);
    expect(value(/^fleet_snapshot_day_build_duration_seconds_count (\d+)$/m)).toBeGreaterThan(0);
  });
});
