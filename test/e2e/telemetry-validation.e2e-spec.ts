import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import request from 'supertest';
import {
  aMeterReading,
  asStoredMeter,
  asStoredVehicle,
  aVehicleReading,
  isoAt,
  type MeterReadingBody,
  meterRows,
  minutesAgo,
  telemetryRowCount,
  type VehicleReadingBody,
  vehicleRows,
  withOffset,
  without,
} from '../builders/readings.builder.ts';
import { createTestApp, type TestApp } from '../setup/test-app.ts';

/**
 * What POST /v1/telemetry refuses, with which status and error body, and that a refused request
 * stores nothing at all; plus the edge values it must still accept.
 */

const URL = '/v1/telemetry';
const EITHER_ID = 'meterId|vehicleId';

/** Sends `text` as it is, as JSON (so that bodies JSON.stringify cannot write, like 1e400, reach the server). */
const sendRaw = (t: TestApp, text: string, contentType = 'application/json') =>
  request(t.server).post(URL).set('Content-Type', contentType).send(text);

const send = (t: TestApp, body: unknown) => sendRaw(t, JSON.stringify(body));

/** The body's JSON with `field` set to a literal that JSON.stringify cannot produce (e.g. `1e400`). */
function withRawNumber(body: object, field: string, literal: string): string {
  const marker = `__raw_${randomUUID()}__`;
  return JSON.stringify({ ...body, [field]: marker }).replace(`"${marker}"`, literal);
}

/** The one error shape, with `details` naming exactly `fields` (in that order) when given. */
function expectErrorBody(res: request.Response, status: number, fields?: string[]): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(res.body).toEqual({
    statusCode: status,
    error: STATUS_CODES[status],
    message: expect.stringMatching(/\S/),
    ...(fields === undefined
      ? {}
      : { details: fields.map((field) => ({ field, errors: expect.arrayContaining([expect.stringMatching(/\S/)]) })) }),
  });
}

describe('POST /v1/telemetry validation', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });
  beforeEach(() => {
    t.clock.set(new Date()); // tests below that pin it start from the real now again
  });

  /** Sends the request, expects the error (400 with `fields` by default) and that no table gained a row. */
  async function expectRefused(
    act: () => request.Test,
    fields: string[] | undefined,
    status = 400,
  ): Promise<request.Response> {
    const before = await telemetryRowCount(t.db);
    const res = await act();
    expectErrorBody(res, status, fields);
    expect(await telemetryRowCount(t.db)).toBe(before);
    return res;
  }

  const refuse = (body: unknown, fields: string[]) => expectRefused(() => send(t, body), fields);

  /** Refuses a reading with one bad field, whose one error says what is wrong with it. */
  async function refuseSaying(body: unknown, field: string, message: RegExp): Promise<void> {
    const res = await refuse(body, [field]);
    expect((res.body as { details: Array<{ errors: string[] }> }).details[0]!.errors).toEqual([
      expect.stringMatching(message),
    ]);
  }

  const NOT_A_NUMBER = /must be a number/;

  describe('missing fields', () => {
    it.each(['kwhConsumedAc', 'voltage'] as const)(
      'refuses a meter reading without %s, saying it must be a number',
      (field) => refuseSaying(without(aMeterReading(), field), field, NOT_A_NUMBER),
    );

    it.each(['soc', 'kwhDeliveredDc', 'batteryTemp'] as const)(
      'refuses a vehicle reading without %s, saying it must be a number',
      (field) => refuseSaying(without(aVehicleReading(), field), field, NOT_A_NUMBER),
    );

    it('refuses a meter reading without timestamp', () =>
      refuseSaying(without(aMeterReading(), 'timestamp'), 'timestamp', /ISO-8601/));

    it('refuses a vehicle reading without timestamp', () =>
      refuseSaying(without(aVehicleReading(), 'timestamp'), 'timestamp', /ISO-8601/));

    it('names every missing field of a reading, not only the first', () =>
      refuse(without(aMeterReading(), 'kwhConsumedAc', 'timestamp'), ['kwhConsumedAc', 'timestamp']));

    it('refuses a reading without any device id, naming both', () =>
      refuse(without(aMeterReading(), 'meterId'), [EITHER_ID]));
  });

  describe('numbers must arrive as JSON numbers', () => {
    const NOT_NUMBERS: Array<[string, unknown]> = [
      ['a numeric string', '12'],
      ['a decimal string', '1.5'],
      ['an empty string', ''],
      ['true', true],
      ['false', false],
      ['null', null],
      ['an object', { value: 12 }],
      ['an empty object', {}],
      ['an array', [12]],
      ['an empty array', []],
    ];

    it.each(['kwhConsumedAc', 'voltage'].flatMap((field) => NOT_NUMBERS.map(([what, value]) => [field, what, value])))(
      'refuses a meter reading whose %s is %s, saying it must be a number',
      (field, _what, value) => refuseSaying(aMeterReading({ [field as string]: value }), field as string, NOT_A_NUMBER),
    );

    it.each(
      ['soc', 'kwhDeliveredDc', 'batteryTemp'].flatMap((field) =>
        NOT_NUMBERS.map(([what, value]) => [field, what, value]),
      ),
    )('refuses a vehicle reading whose %s is %s, saying it must be a number', (field, _what, value) =>
      refuseSaying(aVehicleReading({ [field as string]: value }), field as string, NOT_A_NUMBER),
    );

    it.each([
      ['kwhConsumedAc', '1e400'],
      ['kwhConsumedAc', '-1e400'],
      ['voltage', '1e400'],
    ])('refuses a meter reading whose %s is the non-finite %s', async (field, literal) => {
      const res = await expectRefused(() => sendRaw(t, withRawNumber(aMeterReading(), field, literal)), [field]);
      expect(res.body.details[0].errors).toEqual([expect.stringMatching(NOT_A_NUMBER)]);
    });

    it.each([
      ['soc', '1e400'],
      ['kwhDeliveredDc', '1e400'],
      ['batteryTemp', '1e400'],
      ['batteryTemp', '-1e400'],
    ])('refuses a vehicle reading whose %s is the non-finite %s', async (field, literal) => {
      const res = await expectRefused(() => sendRaw(t, withRawNumber(aVehicleReading(), field, literal)), [field]);
      expect(res.body.details[0].errors).toEqual([expect.stringMatching(NOT_A_NUMBER)]);
    });
  });

  describe('plausible ranges', () => {
    const BELOW = (min: number) => new RegExp(`must not be less than ${min}$`);
    const ABOVE = (max: number) => new RegExp(`must not be greater than ${max}$`);

    it.each([
      ['kwhConsumedAc', -0.001, BELOW(0)],
      ['kwhConsumedAc', -5, BELOW(0)],
      ['voltage', 0, /must be a positive number/],
      ['voltage', -230, /must be a positive number/],
    ])('refuses a meter reading whose %s is %p', (field, value, message) =>
      refuseSaying(aMeterReading({ [field]: value }), field, message),
    );

    it.each([
      ['soc', -0.1, BELOW(0)],
      ['soc', 100.1, ABOVE(100)],
      ['soc', 150, ABOVE(100)],
      ['kwhDeliveredDc', -0.001, BELOW(0)],
    ])('refuses a vehicle reading whose %s is %p', (field, value, message) =>
      refuseSaying(aVehicleReading({ [field]: value }), field, message),
    );

    // Beyond the plausibility bounds (SUSPECT_*) a well-formed reading used to be refused; it is now
    // stored with the value as sent, flagged suspect, and counts nothing (README "Data quality").
    it.each<[string, Record<string, number>, string]>([
      ['meter', { kwhConsumedAc: 100.001 }, 'kwh_above_max'],
      ['meter', { kwhConsumedAc: 1e6 }, 'kwh_above_max'],
      ['meter', { voltage: 1500.001 }, 'voltage_above_max'],
      ['meter', { voltage: 230_000 }, 'voltage_above_max'],
      ['vehicle', { kwhDeliveredDc: 100.001 }, 'kwh_above_max'],
      ['vehicle', { batteryTemp: -40.1 }, 'battery_temp_out_of_range'],
      ['vehicle', { batteryTemp: -273.15 }, 'battery_temp_out_of_range'],
      ['vehicle', { batteryTemp: 100.1 }, 'battery_temp_out_of_range'],
    ])('stores a %s reading with %j, flagged suspect (%s), counting 0 kWh', async (kind, values, reason) => {
      const reading: MeterReadingBody | VehicleReadingBody =
        kind === 'meter' ? { ...aMeterReading(), ...values } : { ...aVehicleReading(), ...values };
      const res = await send(t, reading).expect(201);
      expect(res.body).toEqual({ accepted: 1, duplicates: 0, suspect: 1, conflicts: 0 });
      const [table, id, kwh, deviceId, sent] =
        'meterId' in reading
          ? ['meter_telemetry', 'meter_id', 'kwh_consumed_ac', reading.meterId, reading.kwhConsumedAc]
          : ['vehicle_telemetry', 'vehicle_id', 'kwh_delivered_dc', reading.vehicleId, reading.kwhDeliveredDc];
      const rows = await t.db.query<{ kwh: number; reported: number; quality: string; reason: string }>(
        `SELECT ${kwh}::float8 AS kwh, coalesce(reported_kwh, ${kwh})::float8 AS reported, quality,
                quality_reason AS reason FROM ${table} WHERE ${id} = $1`,
        [deviceId],
      );
      expect(rows).toEqual([{ kwh: 0, reported: sent, quality: 'suspect', reason }]);
    });

    it.each<Partial<MeterReadingBody>>([
      { kwhConsumedAc: 0 },
      { kwhConsumedAc: 100 },
      { kwhConsumedAc: 0.000001 },
      { voltage: 0.001 },
      { voltage: 1500 },
    ])('accepts and stores the edge meter value %j', async (edge) => {
      const reading: MeterReadingBody = { ...aMeterReading(), ...edge };
      const res = await send(t, reading).expect(201);
      expect(res.body).toEqual({ accepted: 1, duplicates: 0, suspect: 0, conflicts: 0 });
      expect(await meterRows(t.db, 'meter_telemetry', reading.meterId)).toEqual([asStoredMeter(reading)]);
    });

    it.each<Partial<VehicleReadingBody>>([
      { soc: 0 },
      { soc: 100 },
      { kwhDeliveredDc: 0 },
      { kwhDeliveredDc: 100 },
      { batteryTemp: -40 },
      { batteryTemp: 100 },
      { batteryTemp: -12.5 },
    ])('accepts and stores the edge vehicle value %j', async (edge) => {
      const reading: VehicleReadingBody = { ...aVehicleReading(), ...edge };
      const res = await send(t, reading).expect(201);
      expect(res.body).toEqual({ accepted: 1, duplicates: 0, suspect: 0, conflicts: 0 });
      expect(await vehicleRows(t.db, 'vehicle_telemetry', reading.vehicleId)).toEqual([asStoredVehicle(reading)]);
    });
  });

  describe('timestamps', () => {
    it.each<[string, unknown]>([
      ['a local time without a zone', '2026-11-26T10:00:00'],
      ['a local time with milliseconds and no zone', '2026-11-26T10:00:00.123'],
      ['a date only', '2026-11-26'],
      ['a day that does not exist', '2026-02-30T10:00:00Z'],
      ['hour 24', '2026-11-26T24:00:00Z'],
      ['a space instead of T', '2026-11-26 10:00:00Z'],
      ['an offset without a colon', '2026-11-26T10:00:00+0200'],
      ['nanoseconds', '2026-11-26T10:00:00.123456789Z'],
      ['garbage', 'yesterday at ten'],
      ['an empty string', ''],
      ['an HTTP date', 'Thu, 26 Nov 2026 10:00:00 GMT'],
      ['epoch milliseconds as a number', Date.parse('2026-11-26T10:00:00Z')],
      ['epoch seconds as a number', Date.parse('2026-11-26T10:00:00Z') / 1000],
      ['epoch milliseconds as a string', String(Date.parse('2026-11-26T10:00:00Z'))],
      ['null', null],
      ['true', true],
      ['an object', { iso: '2026-11-26T10:00:00Z' }],
      ['before 2000-01-01', '1999-12-31T23:59:59.999999Z'],
      ['before 2000-01-01 once its offset is applied', '2000-01-01T00:59:59+01:00'],
      ['the Unix epoch (a device whose clock was never set)', '1970-01-01T00:00:00Z'],
    ])('refuses a meter reading stamped with %s', (_why, timestamp) =>
      refuse(aMeterReading({ timestamp }), ['timestamp']),
    );

    it.each<[string, unknown]>([
      ['no zone', '2026-11-26T10:00:00'],
      ['a date only', '2026-11-26'],
      ['a number', 1_795_687_200_000],
      ['before 2000-01-01', '1999-06-01T00:00:00Z'],
    ])('refuses a vehicle reading stamped with %s', (_why, timestamp) =>
      refuse(aVehicleReading({ timestamp }), ['timestamp']),
    );

    it('accepts a reading stamped exactly 2000-01-01T00:00:00Z, the earliest allowed', async () => {
      const reading = aMeterReading({ timestamp: '2000-01-01T00:00:00Z' });
      await send(t, reading).expect(201);
      expect(await meterRows(t.db, 'meter_telemetry', reading.meterId)).toEqual([
        { ...asStoredMeter(reading), ts: '2000-01-01T00:00:00.000000Z' },
      ]);
    });

    describe(`more than FUTURE_TOLERANCE_SECONDS ahead of the service's clock`, () => {
      let now: Date;
      beforeEach(() => {
        now = minutesAgo(0);
        t.clock.set(now);
      });

      it('uses a tolerance of 300 s in these tests', () => {
        expect(t.config.FUTURE_TOLERANCE_SECONDS).toBe(300);
      });

      it.each([
        ['one millisecond past the tolerance', 300.001],
        ['301 s ahead', 301],
        ['an hour ahead', 3600],
        ['a year ahead', 365 * 24 * 3600],
      ])('refuses a meter reading %s', (_why, seconds) =>
        refuse(aMeterReading({ timestamp: isoAt(now, seconds) }), ['timestamp']),
      );

      it('refuses a vehicle reading 301 s ahead', () =>
        refuse(aVehicleReading({ timestamp: isoAt(now, 301) }), ['timestamp']));

      it('refuses a reading 301 s ahead written with a +02:00 offset', () =>
        refuse(aMeterReading({ timestamp: withOffset(new Date(now.getTime() + 301_000), 120) }), ['timestamp']));

      it.each([
        ['exactly at the tolerance', 300],
        ['just inside the tolerance', 299.999],
        ['at the present instant', 0],
      ])('accepts and stores a meter reading %s', async (_why, seconds) => {
        const reading = aMeterReading({ timestamp: isoAt(now, seconds) });
        await send(t, reading).expect(201);
        expect(await meterRows(t.db, 'meter_telemetry', reading.meterId)).toEqual([asStoredMeter(reading)]);
      });

      it('accepts a vehicle reading exactly at the tolerance', async () => {
        const reading = aVehicleReading({ timestamp: isoAt(now, 300) });
        await send(t, reading).expect(201);
        expect(await vehicleRows(t.db, 'vehicle_telemetry', reading.vehicleId)).toEqual([asStoredVehicle(reading)]);
      });

      it(`judges "future" by the service's clock, not the machine's`, async () => {
        t.clock.set(new Date(now.getTime() + 3600_000));
        const halfAnHourAhead = aMeterReading({ timestamp: isoAt(now, 1800) });
        await send(t, halfAnHourAhead).expect(201);

        t.clock.set(new Date(now.getTime() - 3600_000));
        await refuse(aMeterReading({ timestamp: isoAt(now, 0) }), ['timestamp']);
      });
    });
  });

  describe('device ids', () => {
    it.each([
      ['empty', ''],
      ['65 characters long', 'm'.repeat(65)],
      ['with a space', 'meter 1'],
      ['with a double quote', 'meter"1'],
      ['with a single quote', "meter'1"],
      ['with a slash', 'meter/1'],
      ['with a backslash', 'meter\\1'],
      ['with a percent-encoding', 'meter%201'],
      ['with a newline', 'meter\n1'],
      ['with a NUL character', 'meter\u00001'],
      ['with SQL in it', "m1'; DROP TABLE meter_telemetry; --"],
      ['with accented letters', 'compteur-été'],
      ['with an emoji', 'meter-⚡'],
      ['with a non-breaking space', 'meter\u00a01'],
      ['only whitespace', '   '],
    ])('refuses a meterId that is %s', (_why, meterId) => refuse(aMeterReading({ meterId }), ['meterId']));

    it.each([
      ['empty', ''],
      ['65 characters long', 'v'.repeat(65)],
      ['with a space', 'vehicle 1'],
      ['with a slash', 'fleet/vehicle-1'],
      ['with unicode', 'véhicule-1'],
    ])('refuses a vehicleId that is %s', (_why, vehicleId) => refuse(aVehicleReading({ vehicleId }), ['vehicleId']));

    it.each<[string, unknown]>([
      ['a number', 12345],
      ['null', null],
      ['an array', ['meter-1']],
      ['an object', { id: 'meter-1' }],
      ['true', true],
    ])('refuses a meterId that is %s', (_why, meterId) => refuse(aMeterReading({ meterId }), ['meterId']));

    it('accepts and stores a 64-character meterId', async () => {
      const meterId = `${randomUUID()}${randomUUID()}`.slice(0, 64);
      const reading = aMeterReading({ meterId });
      await send(t, reading).expect(201);
      expect(await meterRows(t.db, 'meter_telemetry', meterId)).toEqual([asStoredMeter(reading)]);
      expect(await meterRows(t.db, 'meter_live_status', meterId)).toEqual([asStoredMeter(reading)]);
    });

    it('accepts and stores a 64-character vehicleId', async () => {
      const vehicleId = `${randomUUID()}${randomUUID()}`.slice(0, 64);
      const reading = aVehicleReading({ vehicleId });
      await send(t, reading).expect(201);
      expect(await vehicleRows(t.db, 'vehicle_telemetry', vehicleId)).toEqual([asStoredVehicle(reading)]);
    });

    it('accepts ids made of letters, digits and . _ : -', async () => {
      const meterId = `Site_A.Bay:07-${randomUUID().slice(0, 8)}`;
      const reading = aMeterReading({ meterId });
      await send(t, reading).expect(201);
      expect(await t.db.count('meter_telemetry', 'meter_id = $1', [meterId])).toBe(1);
    });
  });

  describe('unknown fields', () => {
    it('accepts a meter reading with extra fields, ignores them and stores the reading exactly', async () => {
      const reading = aMeterReading({ kwhConsumedAc: 2.5, voltage: 229.9 });
      const res = await send(t, {
        ...reading,
        firmware: '4.2.1',
        location: { lat: 48.85, lon: 2.35 },
        kwh_consumed_ac: 99,
        receivedAt: '2001-01-01T00:00:00Z',
        vehicleID: 'not-the-vehicleId-field',
      }).expect(201);
      expect(res.body).toEqual({ accepted: 1, duplicates: 0, suspect: 0, conflicts: 0 });
      expect(await meterRows(t.db, 'meter_telemetry', reading.meterId)).toEqual([asStoredMeter(reading)]);
      expect(await meterRows(t.db, 'meter_live_status', reading.meterId)).toEqual([asStoredMeter(reading)]);
      const [row] = await t.db.query<{ received_at: Date }>(
        'SELECT received_at FROM meter_telemetry WHERE meter_id = $1',
        [reading.meterId],
      );
      expect(row!.received_at.getUTCFullYear()).toBeGreaterThan(2001);
    });

    it('accepts a vehicle reading with extra fields, ignores them and stores the reading exactly', async () => {
      const reading = aVehicleReading();
      await send(t, { ...reading, odometerKm: 48_211, soc_raw: '0x7f', timestamp_local: 'now' }).expect(201);
      expect(await vehicleRows(t.db, 'vehicle_telemetry', reading.vehicleId)).toEqual([asStoredVehicle(reading)]);
      expect(await vehicleRows(t.db, 'vehicle_live_status', reading.vehicleId)).toEqual([asStoredVehicle(reading)]);
    });
  });

  describe('meter or vehicle: exactly one id', () => {
    it('refuses a reading that carries both meterId and vehicleId', () =>
      refuse({ ...aMeterReading(), ...aVehicleReading() }, [EITHER_ID]));

    it('refuses a meter reading that also carries a null vehicleId', () =>
      refuse({ ...aMeterReading(), vehicleId: null }, [EITHER_ID]));

    it('refuses a reading with neither meterId nor vehicleId', () =>
      refuse(without(aVehicleReading(), 'vehicleId'), [EITHER_ID]));

    it('refuses an empty object', () => refuse({}, [EITHER_ID]));
  });

  describe('the body as a whole', () => {
    it.each<[string, string]>([
      ['null', 'null'],
      ['a string', '"meter-1"'],
      ['a number', '42'],
      ['true', 'true'],
    ])('refuses a JSON body that is %s', (_why, text) => expectRefused(() => sendRaw(t, text), ['(body)']));

    it('refuses an empty array', () => expectRefused(() => sendRaw(t, '[]'), ['(body)']));

    it.each([
      ['cut short', '{"meterId": "meter-1", "kwhConsumedAc": 1.2,'],
      ['with unquoted keys', '{meterId: "meter-1"}'],
      ['with single quotes', "{'meterId': 'meter-1'}"],
      ['with a trailing comma', '{"meterId": "meter-1",}'],
      ['with trailing garbage', '{"meterId": "meter-1"} x'],
      ['with NaN', '{"meterId": "meter-1", "kwhConsumedAc": NaN, "voltage": 230}'],
      ['empty', ''],
    ])('refuses malformed JSON (%s) with 400 in the same error shape', (_why, text) =>
      expectRefused(() => sendRaw(t, text), undefined),
    );

    it('refuses a body that tries prototype poisoning', () =>
      expectRefused(
        () => sendRaw(t, `{"__proto__": {"admin": true}, ${JSON.stringify(aMeterReading()).slice(1)}`),
        undefined,
      ));

    it.each(['text/plain', 'application/x-www-form-urlencoded', 'application/xml'])(
      'refuses JSON sent as %s with 415 in the same error shape',
      (contentType) => expectRefused(() => sendRaw(t, JSON.stringify(aMeterReading()), contentType), undefined, 415),
    );

    it('accepts application/json with a charset', async () => {
      const reading = aMeterReading();
      await sendRaw(t, JSON.stringify(reading), 'application/json; charset=utf-8').expect(201);
      expect(await t.db.count('meter_telemetry', 'meter_id = $1', [reading.meterId])).toBe(1);
    });
  });

  describe('size limits', () => {
    const BODY_LIMIT_BYTES = 2048;
    const BATCH_MAX_READINGS = 5;
    let small: TestApp;
    beforeAll(async () => {
      small = await createTestApp({
        env: { BODY_LIMIT_BYTES: String(BODY_LIMIT_BYTES), BATCH_MAX_READINGS: String(BATCH_MAX_READINGS) },
      });
    });
    afterAll(async () => {
      await small.close();
    });

    /** A reading padded with an ignored field until its JSON is exactly `bytes` long. */
    function readingOfSize(bytes: number): { text: string; meterId: string } {
      const reading = aMeterReading({ note: '' });
      const padding = bytes - JSON.stringify(reading).length;
      const text = JSON.stringify({ ...reading, note: 'x'.repeat(padding) });
      expect(Buffer.byteLength(text)).toBe(bytes);
      return { text, meterId: reading.meterId };
    }

    it('refuses a body over BODY_LIMIT_BYTES with 413 in the same error shape', async () => {
      const { text } = readingOfSize(BODY_LIMIT_BYTES + 1);
      const before = await telemetryRowCount(small.db);
      const res = await sendRaw(small, text);
      expectErrorBody(res, 413);
      expect(await telemetryRowCount(small.db)).toBe(before);
    });

    it('accepts a body of exactly BODY_LIMIT_BYTES', async () => {
      const { text, meterId } = readingOfSize(BODY_LIMIT_BYTES);
      await sendRaw(small, text).expect(201);
      expect(await small.db.count('meter_telemetry', 'meter_id = $1', [meterId])).toBe(1);
    });

    it('refuses a batch of more than BATCH_MAX_READINGS readings with 413, storing none of them', async () => {
      const batch = Array.from({ length: BATCH_MAX_READINGS + 1 }, () => aMeterReading());
      const before = await telemetryRowCount(small.db);
      const res = await send(small, batch);
      expectErrorBody(res, 413);
      expect(await telemetryRowCount(small.db)).toBe(before);
    });

    it('accepts a batch of exactly BATCH_MAX_READINGS readings', async () => {
      const batch = Array.from({ length: BATCH_MAX_READINGS }, () => aVehicleReading());
      const res = await send(small, batch).expect(201);
      expect(res.body).toEqual({ accepted: BATCH_MAX_READINGS, duplicates: 0, suspect: 0, conflicts: 0 });
      expect(await small.db.count('vehicle_telemetry', 'vehicle_id = ANY($1)', [batch.map((r) => r.vehicleId)])).toBe(
        BATCH_MAX_READINGS,
      );
    });
  });
});
