import fc from 'fast-check';
import request from 'supertest';
import { decimalText, toDecimal, add, ZERO } from '../../src/common/numbers/decimal.ts';
import { deriveRegisterSteps } from '../../src/telemetry/register-steps.ts';
import { meterReading, vehicleReading } from '../builders/readings.builder.ts';
import { createTestApp, type TestApp } from '../setup/test-app.ts';
import type { TestDb } from '../setup/test-db.ts';
import { link, postTelemetry } from '../support/api.ts';

/**
 * Register mode (README "Energy modes") and the device registry, end to end on PostgreSQL: the
 * issue's fixture through every view, each rule on its own, late and duplicate readings, and a
 * property comparing what the service derives from readings sent in any order, in pieces and
 * repeated, with a straightforward derivation of the whole series sorted.
 */

const NOW = new Date('2026-03-15T12:00:00.000Z');
const HOUR_MS = 3_600_000;
const at = (hoursBeforeNow: number, minutes = 0): string =>
  new Date(NOW.getTime() - hoursBeforeNow * HOUR_MS + minutes * 60_000).toISOString();

let seq = 0;
const uniqueId = (kind: string): string => `rg-${kind}-${++seq}`;

/** Each roll-up row equals the sums of its hour's rows: counted kWh, ok readings, flagged readings. */
const ROLLUP_MISMATCHES = `
WITH raw AS (
  SELECT meter_id AS device, date_trunc('hour', ts, 'UTC') AS hour, sum(kwh_consumed_ac) AS kwh,
         (count(*) FILTER (WHERE quality = 'ok'))::int AS n, (count(*) FILTER (WHERE quality <> 'ok'))::int AS flagged
  FROM meter_telemetry GROUP BY 1, 2
  UNION ALL
  SELECT vehicle_id, date_trunc('hour', ts, 'UTC'), sum(kwh_delivered_dc),
         (count(*) FILTER (WHERE quality = 'ok'))::int, (count(*) FILTER (WHERE quality <> 'ok'))::int
  FROM vehicle_telemetry GROUP BY 1, 2
),
rolled AS (
  SELECT meter_id AS device, hour, kwh, readings AS n, flagged FROM meter_hourly
  UNION ALL
  SELECT vehicle_id, hour, kwh, readings, flagged FROM vehicle_hourly
)
SELECT device, hour, raw.kwh AS raw_kwh, rolled.kwh AS rolled_kwh, raw.n AS raw_n, rolled.n AS rolled_n
FROM raw FULL JOIN rolled USING (device, hour)
WHERE raw.kwh IS DISTINCT FROM rolled.kwh OR raw.n IS DISTINCT FROM rolled.n OR raw.flagged IS DISTINCT FROM rolled.flagged`;

async function expectRollupsExact(db: TestDb): Promise<void> {
  expect(await db.query(ROLLUP_MISMATCHES)).toEqual([]);
}

interface StepRow {
  ts: string;
  reported: number;
  kwh: string;
  quality: string;
  reason: string | null;
}

async function meterSteps(db: TestDb, meterId: string): Promise<StepRow[]> {
  return db.query<StepRow & Record<string, unknown>>(
    `SELECT to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS ts, reported_kwh::float8 AS reported,
            kwh_consumed_ac::text AS kwh, quality, quality_reason AS reason
     FROM meter_telemetry WHERE meter_id = $1 ORDER BY ts`,
    [meterId],
  );
}

const summary = (rows: StepRow[]): string[] =>
  rows.map((row) => `${row.reported} → ${Number(row.kwh)} ${row.quality}${row.reason ? ` ${row.reason}` : ''}`);

describe('register mode', () => {
  let t: TestApp;
  const put = (path: string, body: object) => request(t.server).put(path).send(body);

  beforeAll(async () => {
    t = await createTestApp({ now: NOW });
  });
  afterAll(async () => {
    await t.close();
  });

  describe('the device registry', () => {
    it('registers a meter, answers it, lists it, and 404s a meter never registered', async () => {
      const meterId = uniqueId('reg');
      const res = await put(`/v1/meters/${meterId}`, { energyMode: 'register', registerMax: 99999.9 }).expect(200);
      expect(res.body).toMatchObject({
        meterId,
        energyMode: 'register',
        registerMax: 99999.9,
        maxPowerKw: null,
        efficiencyThreshold: null,
        modes: [{ energyMode: 'register', effectiveFrom: null }],
      });
      expect((await request(t.server).get(`/v1/meters/${meterId}`).expect(200)).body).toEqual(res.body);
      const page = (await request(t.server).get(`/v1/meters?energyMode=register&limit=1000`).expect(200)).body;
      expect(page.items.map((item: { meterId: string }) => item.meterId)).toContain(meterId);
      await request(t.server)
        .get(`/v1/meters/${uniqueId('never')}`)
        .expect(404);
      // The live list keeps its static route.
      await request(t.server).get('/v1/meters/live').expect(200);
    });

    it('refuses a malformed registration with a 400 naming the field', async () => {
      const res = await put(`/v1/vehicles/${uniqueId('bad')}`, { energyMode: 'cumulative', maxPowerKw: -1 }).expect(
        400,
      );
      expect(res.body.details.map((d: { field: string }) => d.field).sort()).toEqual(['energyMode', 'maxPowerKw']);
    });

    it('applies a mode change of a device with readings from effectiveFrom, never before its latest reading', async () => {
      const meterId = uniqueId('switch');
      await postTelemetry(t, [meterReading(meterId, at(3), 1.5)]);
      const early = await put(`/v1/meters/${meterId}`, { energyMode: 'register', effectiveFrom: at(4) }).expect(409);
      expect(early.body.message).toMatch(/after its latest stored reading/);

      const res = await put(`/v1/meters/${meterId}`, { energyMode: 'register', effectiveFrom: at(2) }).expect(200);
      expect(res.body.modes).toEqual([
        { energyMode: 'interval', effectiveFrom: null },
        { energyMode: 'register', effectiveFrom: at(2) },
      ]);
      await postTelemetry(t, [meterReading(meterId, at(1), 500), meterReading(meterId, at(0.5), 501.25)]);
      expect(summary(await meterSteps(t.db, meterId))).toEqual([
        'null → 1.5 ok', // interval, as it was billed
        '500 → 0 ok baseline', // the register's first reading
        '501.25 → 1.25 ok',
      ]);
      await expectRollupsExact(t.db);
    });
  });

  it("derives the issue's fixture: 3.8 kWh in the meter, vehicle and fleet views", async () => {
    const meterId = uniqueId('fixture');
    const vehicleId = uniqueId('ev');
    await put(`/v1/meters/${meterId}`, { energyMode: 'register' }).expect(200);
    await link(t, vehicleId, meterId);
    const values = [1000.0, 1000.5, 1001.2, 0, 1001.9, 0.3, 0.9];
    // The baseline 25 h ago, then the window's readings, one request each, as a meter sends them.
    await postTelemetry(t, meterReading(meterId, at(25), 999.0));
    for (const [i, value] of values.entries()) await postTelemetry(t, meterReading(meterId, at(10, i * 10), value));
    await postTelemetry(t, vehicleReading(vehicleId, at(9), 3.4));

    expect(summary(await meterSteps(t.db, meterId))).toEqual([
      '999 → 0 ok baseline',
      '1000 → 1 ok',
      '1000.5 → 0.5 ok',
      '1001.2 → 0.7 ok',
      '0 → 0 glitch glitch',
      '1001.9 → 0.7 ok',
      '0.3 → 0.3 ok reset',
      '0.9 → 0.6 ok',
    ]);
    const meter = (await request(t.server).get(`/v1/analytics/meters/${meterId}`).expect(200)).body;
    expect(meter).toMatchObject({ acKwh: 3.8, meterReadings: 6 });
    const vehicle = (await request(t.server).get(`/v1/analytics/performance/${vehicleId}`).expect(200)).body;
    expect(vehicle).toMatchObject({ acKwh: 3.8, dcKwh: 3.4 });
    const fleet = (await request(t.server).get(`/v1/analytics/fleet?meterId=${meterId}`).expect(200)).body;
    expect(fleet.items).toEqual([expect.objectContaining({ vehicleId, acKwh: 3.8, dcKwh: 3.4 })]);
    // The live row shows the register as sent.
    const live = (await request(t.server).get(`/v1/meters/${meterId}/live`).expect(200)).body;
    expect(live).toMatchObject({ kwhConsumedAc: 0.9 });
    await expectRollupsExact(t.db);
  });

  it("lists a device's readings with their quality, filtered and in keyset pages", async () => {
    const meterId = uniqueId('list');
    await put(`/v1/meters/${meterId}`, { energyMode: 'register' }).expect(200);
    await postTelemetry(
      t,
      [10, 11, 0, 12].map((v, i) => meterReading(meterId, at(3, i), v)),
    );
    const flagged = (await request(t.server).get(`/v1/meters/${meterId}/readings?quality=flagged`).expect(200)).body;
    expect(flagged.items).toEqual([
      expect.objectContaining({ timestamp: at(3, 2), kwhConsumedAc: 0, energyKwh: 0, quality: 'glitch' }),
    ]);
    const first = (await request(t.server).get(`/v1/meters/${meterId}/readings?limit=3`).expect(200)).body;
    expect(first.items.map((item: { energyKwh: number }) => item.energyKwh)).toEqual([0, 1, 0]);
    expect(first.nextCursor).toBe(at(3, 2));
    const next = (
      await request(t.server).get(`/v1/meters/${meterId}/readings?limit=3&after=${first.nextCursor}`).expect(200)
    ).body;
    expect(next).toMatchObject({
      items: [expect.objectContaining({ kwhConsumedAc: 12, energyKwh: 1 })],
      nextCursor: null,
    });
    await request(t.server)
      .get(`/v1/vehicles/${uniqueId('ev')}/readings?quality=bad`)
      .expect(400);
  });

  it('takes a drop with no next reading as a provisional reset, and revises it into a glitch when the next returns', async () => {
    const meterId = uniqueId('glitch');
    await put(`/v1/meters/${meterId}`, { energyMode: 'register' }).expect(200);
    await postTelemetry(t, [meterReading(meterId, at(5), 1001.2), meterReading(meterId, at(4.9), 0)]);
    expect(summary(await meterSteps(t.db, meterId)).slice(1)).toEqual(['0 → 0 ok reset']);
    await postTelemetry(t, meterReading(meterId, at(4.8), 1001.9));
    expect(summary(await meterSteps(t.db, meterId)).slice(1)).toEqual(['0 → 0 glitch glitch', '1001.9 → 0.7 ok']);
    await expectRollupsExact(t.db);
  });

  it('counts a reset from 0 when the register keeps counting from the lower value', async () => {
    const meterId = uniqueId('reset');
    await put(`/v1/meters/${meterId}`, { energyMode: 'register' }).expect(200);
    await postTelemetry(
      t,
      [1001.9, 0.3, 0.9].map((v, i) => meterReading(meterId, at(5, i), v)),
    );
    expect(summary(await meterSteps(t.db, meterId))).toEqual([
      '1001.9 → 0 ok baseline',
      '0.3 → 0.3 ok reset',
      '0.9 → 0.6 ok',
    ]);
  });

  it('counts a rollover at the configured register maximum', async () => {
    const meterId = uniqueId('roll');
    await put(`/v1/meters/${meterId}`, { energyMode: 'register', registerMax: 100000 }).expect(200);
    await postTelemetry(
      t,
      [99999.5, 0.4, 1.0].map((v, i) => meterReading(meterId, at(5, i), v)),
    );
    expect(summary(await meterSteps(t.db, meterId))).toEqual([
      '99999.5 → 0 ok baseline',
      '0.4 → 0.9 ok rollover',
      '1 → 0.6 ok',
    ]);
  });

  it('flags an increase beyond the maximum power as suspect, answers it in the ack, and counts nothing for it', async () => {
    const meterId = uniqueId('jump');
    await put(`/v1/meters/${meterId}`, { energyMode: 'register', maxPowerKw: 60 }).expect(200); // 1 kWh a minute
    const ack = await postTelemetry(
      t,
      [100, 100.9, 250, 250.5].map((v, i) => meterReading(meterId, at(5, i), v)),
    );
    expect(ack).toEqual({ accepted: 4, duplicates: 0, suspect: 1, conflicts: 0 });
    expect(summary(await meterSteps(t.db, meterId))).toEqual([
      '100 → 0 ok baseline',
      '100.9 → 0.9 ok',
      '250 → 0 suspect jump',
      '250.5 → 0.5 ok',
    ]);
    await expectRollupsExact(t.db);
  });

  it('re-derives the two steps a late reading touches, and stays idempotent on (device, timestamp)', async () => {
    const meterId = uniqueId('late');
    await put(`/v1/meters/${meterId}`, { energyMode: 'register' }).expect(200);
    await postTelemetry(t, [meterReading(meterId, at(5, 0), 10), meterReading(meterId, at(5, 2), 12)]);
    expect(await postTelemetry(t, meterReading(meterId, at(5, 1), 11.25))).toEqual({
      accepted: 1,
      duplicates: 0,
      suspect: 0,
      conflicts: 0,
    });
    expect(summary(await meterSteps(t.db, meterId))).toEqual(['10 → 0 ok baseline', '11.25 → 1.25 ok', '12 → 0.75 ok']);
    // The same reading again: a duplicate; with another value: a conflict, the first one kept.
    expect(await postTelemetry(t, meterReading(meterId, at(5, 1), 11.25))).toEqual({
      accepted: 0,
      duplicates: 1,
      suspect: 0,
      conflicts: 0,
    });
    expect(await postTelemetry(t, meterReading(meterId, at(5, 1), 11.5))).toEqual({
      accepted: 0,
      duplicates: 1,
      suspect: 0,
      conflicts: 1,
    });
    expect(summary(await meterSteps(t.db, meterId))).toEqual(['10 → 0 ok baseline', '11.25 → 1.25 ok', '12 → 0.75 ok']);
    await expectRollupsExact(t.db);
  });

  it('derives a vehicle reporting DC as a register', async () => {
    const vehicleId = uniqueId('dc');
    await put(`/v1/vehicles/${vehicleId}`, { energyMode: 'register' }).expect(200);
    await postTelemetry(
      t,
      [50, 51.5, 53].map((v, i) => vehicleReading(vehicleId, at(5, i), v)),
    );
    const rows = await t.db.query<{ kwh: string }>(
      `SELECT kwh_delivered_dc::text AS kwh FROM vehicle_telemetry WHERE vehicle_id = $1 ORDER BY ts`,
      [vehicleId],
    );
    expect(rows.map((row) => Number(row.kwh))).toEqual([0, 1.5, 1.5]);
    await expectRollupsExact(t.db);
  });

  it('equals a straightforward derivation of the sorted series, whatever the order, pieces and repeats readings arrive in', async () => {
    // Register series with increases, resets, placeholders (0) and jumps, one reading a minute.
    const step = fc.oneof(
      { weight: 6, arbitrary: fc.integer({ min: 0, max: 300 }).map((n) => ({ kind: 'up' as const, by: n / 100 })) },
      { weight: 1, arbitrary: fc.constant({ kind: 'zero' as const, by: 0 }) },
      { weight: 1, arbitrary: fc.integer({ min: 0, max: 50 }).map((n) => ({ kind: 'reset' as const, by: n / 10 })) },
      { weight: 1, arbitrary: fc.constant({ kind: 'jump' as const, by: 500 }) },
    );
    const scenario = fc.record({
      steps: fc.array(step, { minLength: 2, maxLength: 25 }),
      order: fc.array(fc.nat(), { minLength: 25, maxLength: 25 }),
      pieces: fc.integer({ min: 1, max: 5 }),
      repeats: fc.array(fc.nat({ max: 24 }), { maxLength: 4 }),
    });
    await fc.assert(
      fc.asyncProperty(scenario, async ({ steps, order, pieces, repeats }) => {
        const meterId = uniqueId('prop');
        await put(`/v1/meters/${meterId}`, { energyMode: 'register', maxPowerKw: 120 }).expect(200);
        let value = 1000;
        const readings = steps.map((s, i) => {
          value = s.kind === 'zero' ? value : s.kind === 'reset' ? s.by : value + s.by;
          const sent = s.kind === 'zero' ? 0 : s.kind === 'jump' ? value + s.by : value;
          if (s.kind === 'jump') value = sent;
          return meterReading(meterId, at(6, i), Math.round(sent * 100) / 100);
        });
        const shuffled = readings
          .map((reading, i) => ({ reading, key: order[i] ?? i }))
          .sort((a, b) => a.key - b.key)
          .map((entry) => entry.reading);
        const sent = [...shuffled, ...repeats.filter((i) => i < readings.length).map((i) => readings[i]!)];
        const size = Math.ceil(sent.length / pieces);
        for (let i = 0; i < sent.length; i += size) await postTelemetry(t, sent.slice(i, i + size));

        const expected = deriveRegisterSteps(
          null,
          readings.map((r) => ({ epochMs: Date.parse(r.timestamp), value: toDecimal(r.kwhConsumedAc), flag: null })),
          { registerMax: null, maxPowerKw: 120 },
        );
        const stored = await meterSteps(t.db, meterId);
        expect(stored.map((row) => [Number(row.kwh), row.quality, row.reason])).toEqual(
          expected.map((s) => [Number(decimalText(s.kwh)), s.quality, s.reason]),
        );
        const total = expected.reduce((sum, s) => add(sum, s.kwh), ZERO);
        const meter = (
          await request(t.server)
            .get(`/v1/analytics/meters/${meterId}?from=${at(7)}&to=${at(0)}`)
            .expect(200)
        ).body as { acKwh: number };
        expect(meter.acKwh).toBeCloseTo(Number(decimalText(total)), 9);
      }),
      { numRuns: 25 },
    );
    await expectRollupsExact(t.db);
  });
});
