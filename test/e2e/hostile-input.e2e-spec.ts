import { request as httpRequest } from 'node:http';
import fc from 'fast-check';
import { createTestApp, type TestApp } from '../setup/test-app.ts';
import { expectErrorBody, type HttpResult, listen, postJson, send } from '../support/http.ts';
import {
  aMeterReading,
  aVehicleReading,
  expectStoredExactly,
  readingsOf,
  type StoredReading,
  suspectCount,
  uniqueId,
} from '../support/readings.ts';

/**
 * Whatever arrives at POST /v1/telemetry, the service answers 201 having stored exactly what it
 * acknowledged, or a 4xx in the one error shape having stored nothing; never a 5xx. Bodies are
 * sent as raw JSON text, so tokens JSON.stringify cannot produce (NaN, 1e400, 0x10) arrive too.
 */

/** JSON text the serialiser copies verbatim. */
class Raw {
  constructor(readonly text: string) {}
}
const raw = (text: string): Raw => new Raw(text);

/** JSON text nesting `depth` arrays (`[[[…]]]`) or objects (`{"a":{"a":…1}}`). */
function deeplyNested(shape: 'array' | 'object', depth: number): string {
  return shape === 'array' ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

function toJsonText(value: unknown): string {
  if (value instanceof Raw) return value.text;
  if (Array.isArray(value)) return `[${value.map(toJsonText).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const members = Object.entries(value).map(([key, member]) => `${JSON.stringify(key)}:${toJsonText(member)}`);
    return `{${members.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

// ---- generated bodies -------------------------------------------------------------------------

type Kind = 'meter' | 'vehicle';
const ID_FIELD: Record<Kind, string> = { meter: 'meterId', vehicle: 'vehicleId' };
const FIELDS: Record<Kind, string[]> = {
  meter: ['meterId', 'kwhConsumedAc', 'voltage', 'timestamp'],
  vehicle: ['vehicleId', 'soc', 'kwhDeliveredDc', 'batteryTemp', 'timestamp'],
};

type Mutation =
  | { type: 'set'; field: string; value: unknown }
  | { type: 'drop'; field: string }
  | { type: 'extra'; key: string; value: unknown }
  | { type: 'otherId'; value: unknown };

/** A reading before it gets its unique id and instant (given when sent, so shrunk reruns never collide). */
interface ReadingTemplate {
  kind: Kind;
  values: Record<string, unknown>;
  /** How many fractional digits the instant has (0, 3 or 6) and the zone it is written in. */
  instant: { digits: 0 | 3 | 6; offsetMinutes: number; micros: number };
  mutation?: Mutation;
}

const inRange = (min: number, max: number, minExcluded = false): fc.Arbitrary<number> =>
  fc.oneof(
    fc.double({ min, max, minExcluded, noNaN: true }),
    fc.integer({ min: Math.ceil(min + (minExcluded ? 1 : 0)), max: Math.floor(max) }),
  );

const instantShape = fc.record({
  digits: fc.constantFrom(0 as const, 3 as const, 6 as const),
  offsetMinutes: fc.constantFrom(0, 0, 60, 330, -480, -720, 840),
  micros: fc.integer({ min: 0, max: 999 }),
});

const validMeter: fc.Arbitrary<ReadingTemplate> = fc.record({
  kind: fc.constant('meter' as const),
  values: fc.record({ kwhConsumedAc: inRange(0, 100), voltage: inRange(0, 1500, true) }),
  instant: instantShape,
});

const validVehicle: fc.Arbitrary<ReadingTemplate> = fc.record({
  kind: fc.constant('vehicle' as const),
  values: fc.record({ soc: inRange(0, 100), kwhDeliveredDc: inRange(0, 100), batteryTemp: inRange(-40, 100) }),
  instant: instantShape,
});

const validReading = fc.oneof(validMeter, validVehicle);

const SQL_AND_QUOTES = [
  "'; DROP TABLE meter_telemetry;--",
  "m-1'; DELETE FROM meter_telemetry WHERE '1'='1",
  '" OR "1"="1',
  "x'); TRUNCATE vehicle_telemetry; --",
  '$1',
  '%s%n%x',
  '\\',
  "'",
  '"',
  '`',
  '${7*7}',
  '../../etc/passwd',
  'm-1\u0000',
  '\u0000',
  'm\nid',
  ' m-1',
];
const UNICODE = ['mèter', '𝔪eter', 'm\u202Eeter', '١٢٣', 'ﬀ', '電表', '🔌', 'm\uFEFF', '\uD800'];
const NEAR_NUMBERS = ['12', '1e3', 'NaN', 'Infinity', '-1', '0x10', '', ' ', 'true', 'null'];
const BAD_TIMESTAMPS = [
  '2026-01-01T00:00:00',
  '2026-01-01',
  '2026-01-01 00:00:00Z',
  '2026-02-30T00:00:00Z',
  '2026-01-01T24:00:00Z',
  '2026-01-01T00:60:00Z',
  '2026-01-01T00:00:00.1234567Z',
  '2026-01-01T00:00:00z',
  '2026-01-01T00:00:00+24:00',
  '2026-01-01T00:00:00+0100',
  '1970-01-01T00:00:00Z',
  '1999-12-31T23:59:59.999999Z',
  '9999-12-31T23:59:59Z',
  '+020260-01-01T00:00:00Z',
  '2026-W01-1T00:00:00Z',
  'Thu, 01 Jan 2026 00:00:00 GMT',
  'now',
];
const RAW_TOKENS = [
  'NaN',
  'Infinity',
  '-Infinity',
  '1e400',
  '-1e400',
  '1e-400',
  '-0',
  '0x10',
  '01',
  '.5',
  '+1',
  '1.',
  "'x'",
  'undefined',
  '1_000',
].map(raw);
const EDGE_NUMBERS = [
  1e308,
  -1e308,
  Number.MAX_SAFE_INTEGER,
  2 ** 53 + 1,
  1e20,
  -1,
  -0.0001,
  -40.0001,
  100.0001,
  1500.0001,
  0,
  -0,
  5e-324,
  -5e-324,
  1e-320,
];
const ODD_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'hasOwnProperty',
  'toString',
  'valueOf',
  'isPrototypeOf',
  '__defineGetter__',
  '',
  ' ',
  'meterid',
  'METERID',
  'kind',
  'instant',
  'deviceId',
];

const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.string(),
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom(...SQL_AND_QUOTES, ...UNICODE, ...NEAR_NUMBERS, ...BAD_TIMESTAMPS),
  fc.constantFrom(...RAW_TOKENS),
  fc.constantFrom(...EDGE_NUMBERS),
  fc.double(),
  fc.integer({ min: -2_147_483_648, max: 2_147_483_647 }),
  fc.boolean(),
  fc.constantFrom({}, [], [1], { $gt: 0 }, { toString: 1 }, [null], { length: 1, 0: 'x' }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }),
  fc
    .tuple(fc.constantFrom('array' as const, 'object' as const), fc.integer({ min: 20, max: 5000 }))
    .map(([shape, depth]) => raw(deeplyNested(shape, depth))),
);

const mutation = (kind: Kind): fc.Arbitrary<Mutation> =>
  fc.oneof(
    {
      weight: 6,
      arbitrary: fc.record({
        type: fc.constant('set' as const),
        field: fc.constantFrom(...FIELDS[kind]),
        value: hostileValue,
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({ type: fc.constant('drop' as const), field: fc.constantFrom(...FIELDS[kind]) }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        type: fc.constant('extra' as const),
        key: fc.oneof(fc.constantFrom(...ODD_KEYS), fc.string({ maxLength: 10 })),
        value: hostileValue,
      }),
    },
    { weight: 1, arbitrary: fc.record({ type: fc.constant('otherId' as const), value: hostileValue }) },
  );

const nearValidReading: fc.Arbitrary<ReadingTemplate> = validReading.chain((template) =>
  mutation(template.kind).map((m) => ({ ...template, mutation: m })),
);

type Generated =
  | { type: 'single'; reading: ReadingTemplate }
  | { type: 'batch'; items: Array<ReadingTemplate | { json: fc.JsonValue }> }
  | { type: 'json'; json: fc.JsonValue };

const generatedBody: fc.Arbitrary<Generated> = fc.oneof(
  { weight: 3, arbitrary: validReading.map((reading) => ({ type: 'single' as const, reading })) },
  { weight: 5, arbitrary: nearValidReading.map((reading) => ({ type: 'single' as const, reading })) },
  {
    weight: 3,
    arbitrary: fc
      .array(
        fc.oneof(
          { weight: 4, arbitrary: validReading },
          { weight: 3, arbitrary: nearValidReading },
          { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((json) => ({ json })) },
        ),
        { minLength: 1, maxLength: 6 },
      )
      .map((items) => ({ type: 'batch' as const, items })),
  },
  { weight: 2, arbitrary: fc.jsonValue().map((json) => ({ type: 'json' as const, json })) },
);

/** Whether the generator meant the body to be valid (every reading untouched). */
function isMeantValid(body: Generated): boolean {
  if (body.type === 'single') return body.reading.mutation === undefined;
  if (body.type === 'batch') return body.items.every((item) => 'kind' in item && item.mutation === undefined);
  return false;
}

function formatInstant({ digits, offsetMinutes, micros }: ReadingTemplate['instant'], ms: number): string {
  const wall = new Date(ms + offsetMinutes * 60_000).toISOString().slice(0, 19);
  const fractionMicros = (ms % 1000) * 1000 + (digits === 6 ? micros : 0);
  const fraction = digits === 0 ? '' : `.${String(fractionMicros).padStart(6, '0').slice(0, digits)}`;
  const zone =
    offsetMinutes === 0
      ? 'Z'
      : `${offsetMinutes < 0 ? '-' : '+'}${String(Math.floor(Math.abs(offsetMinutes) / 60)).padStart(2, '0')}:${String(Math.abs(offsetMinutes) % 60).padStart(2, '0')}`;
  return `${wall}${fraction}${zone}`;
}

/**
 * Unique instants, whole seconds apart (so 0 fractional digits stay unique), from a day ago: a
 * run's ~10,000 readings span under 3 hours, inside the partitions kept behind and never future.
 */
const INSTANT_BASE_MS = Math.floor(Date.now() / 1000) * 1000 - 24 * 60 * 60 * 1000;
let instantSequence = 0;

function materialize(template: ReadingTemplate): Record<string, unknown> {
  instantSequence += 1;
  const ms = INSTANT_BASE_MS + instantSequence * 1000 + (template.instant.digits === 0 ? 0 : instantSequence % 1000);
  const reading: Record<string, unknown> = {
    [ID_FIELD[template.kind]]: uniqueId(`hz${template.kind[0]}`),
    ...template.values,
    timestamp: formatInstant(template.instant, ms),
  };
  const m = template.mutation;
  if (m?.type === 'set') reading[m.field] = m.value;
  if (m?.type === 'drop') delete reading[m.field];
  if (m?.type === 'extra')
    Object.defineProperty(reading, m.key, { value: m.value, enumerable: true, writable: true, configurable: true });
  if (m?.type === 'otherId') reading[ID_FIELD[template.kind === 'meter' ? 'vehicle' : 'meter']] = m.value;
  return reading;
}

function bodyText(body: Generated): string {
  if (body.type === 'single') return toJsonText(materialize(body.reading));
  if (body.type === 'batch')
    return toJsonText(body.items.map((item) => ('json' in item ? item.json : materialize(item))));
  return JSON.stringify(body.json);
}

// ---- the tests --------------------------------------------------------------------------------

const RUNS = 2000;

describe('hostile input on POST /v1/telemetry', () => {
  let t: TestApp;
  let base: string;
  const acknowledged: StoredReading[] = [];
  const tally = { sent: 0, meantValid: 0, hostile: 0, created: 0, rejected: 0, explicit: 0 };

  beforeAll(async () => {
    t = await createTestApp({ env: { RATE_LIMIT_PER_MINUTE: '0' } });
    base = await listen(t.app);
  });
  afterAll(async () => {
    console.log(
      `hostile-input: ${tally.sent} generated bodies sent (${tally.hostile} hostile, ${tally.meantValid} valid): ` +
        `${tally.created} answered 201, ${tally.rejected} answered 4xx; ${tally.explicit} explicit hostile cases; ` +
        `bad inputs tried: ${tally.hostile + tally.explicit}; readings acknowledged: ${acknowledged.length}`,
    );
    await t.close();
  });

  /** Sends raw text and checks the invariant every answer must keep; returns the answer. */
  async function post(text: string, headers?: Record<string, string>): Promise<HttpResult> {
    const res = await postJson(`${base}/v1/telemetry`, text, headers);
    if (res.status >= 500) throw new Error(`${res.status} for body ${text.slice(0, 300)}: ${res.text.slice(0, 300)}`);
    if (res.status === 201) {
      const readings = readingsOf(JSON.parse(text.replace(/^\uFEFF/, '')));
      expect(res.json).toEqual({
        accepted: readings.length,
        duplicates: 0,
        suspect: suspectCount(readings),
        conflicts: 0,
      });
      acknowledged.push(...readings);
    } else {
      expect(res.status).toBeGreaterThanOrEqual(400);
      expectErrorBody(res);
    }
    return res;
  }

  it(`never answers 5xx and stores exactly what it acknowledges (${RUNS} generated bodies)`, async () => {
    await fc.assert(
      fc.asyncProperty(generatedBody, async (body) => {
        const meantValid = isMeantValid(body);
        tally.sent += 1;
        if (meantValid) tally.meantValid += 1;
        else tally.hostile += 1;
        const res = await post(bodyText(body));
        if (res.status === 201) tally.created += 1;
        else tally.rejected += 1;
        if (meantValid) expect(res.status).toBe(201);
      }),
      { numRuns: RUNS },
    );
    await expectStoredExactly(t.db, acknowledged);
  }, 50_000);

  describe('explicit cases', () => {
    const explicit = async (text: string, headers?: Record<string, string>): Promise<HttpResult> => {
      tally.explicit += 1;
      return post(text, headers);
    };
    const valid = (): Record<string, unknown> => ({ ...aMeterReading() });

    it.each([
      ['10,000 nested arrays', deeplyNested('array', 10_000)],
      ['10,000 unclosed arrays', '['.repeat(10_000)],
      ['10,000 nested objects', deeplyNested('object', 10_000)],
      ['100,000 nested arrays', deeplyNested('array', 100_000)],
    ])('refuses %s with 400', async (_what, text) => {
      const res = await explicit(text);
      expectErrorBody(res, 400);
    });

    it.each([
      ['a measurement', 'kwhConsumedAc', 'array'],
      ['the id', 'meterId', 'array'],
      ['an unknown field', 'extra', 'array'],
      ['an unknown field', 'extra', 'object'],
    ] as const)('refuses 10,000 levels of nesting inside %s (%s: %s) with 400', async (_what, field, shape) => {
      const reading = valid();
      const res = await explicit(toJsonText({ ...reading, [field]: raw(deeplyNested(shape, 10_000)) }));
      expectErrorBody(res, 400);
      expect(await t.db.count('meter_telemetry', 'meter_id = $1', [reading.meterId])).toBe(0);
    });

    it('strips an unknown field nested 20 levels deep and stores the reading', async () => {
      const reading = valid();
      const res = await explicit(toJsonText({ ...reading, firmwareInfo: raw(deeplyNested('object', 20)) }));
      expect(res.status).toBe(201);
    });

    it('refuses deep nesting on the links route too (400, not 500)', async () => {
      tally.explicit += 1;
      const res = await postJson(`${base}/v1/links`, `{"vehicleId":${deeplyNested('array', 5000)},"meterId":"m-1"}`);
      expectErrorBody(res, 400);
    });

    it('ignores a byte-order mark (RFC 8259 allows it) or refuses it with 400', async () => {
      const res = await explicit('\uFEFF' + JSON.stringify(valid()));
      expect([201, 400]).toContain(res.status);
    });

    it('refuses a 1 MB id with 400 and stores nothing', async () => {
      const reading = { ...valid(), meterId: 'm'.repeat(1024 * 1024) };
      const res = await explicit(JSON.stringify(reading));
      expectErrorBody(res, 400);
      expect(res.json).toEqual(expect.objectContaining({ details: [expect.objectContaining({ field: 'meterId' })] }));
    });

    it.each([...SQL_AND_QUOTES, ...UNICODE])('refuses the id %j with 400 by the id rule', async (id) => {
      const rowsBefore = await t.db.count('meter_telemetry');
      const res = await explicit(JSON.stringify({ ...valid(), meterId: id }));
      expectErrorBody(res, 400);
      expect(res.json).toEqual(expect.objectContaining({ details: [expect.objectContaining({ field: 'meterId' })] }));
      const [table] = await t.db.query<{ name: string | null }>(`SELECT to_regclass('meter_telemetry')::text AS name`);
      expect(table?.name).toBe('meter_telemetry');
      expect(await t.db.count('meter_telemetry')).toBe(rowsBefore);
    });

    it.each([
      ['null', 'null'],
      ['a number', '42'],
      ['a huge number', '1e400'],
      ['a string', '"reading"'],
      ['true', 'true'],
      ['an empty object', '{}'],
      ['an empty array', '[]'],
      ['an array of arrays', () => JSON.stringify([[aMeterReading()], [aVehicleReading()]])],
      ['an array holding null', '[null]'],
      ['both ids', () => JSON.stringify({ ...aMeterReading(), vehicleId: uniqueId('v') })],
      ['an empty body', ''],
      ['whitespace', '   \n'],
      ['truncated JSON', '{"meterId": "m-1", "kwhConsumedAc": 1'],
      ['a trailing comma', () => JSON.stringify(aMeterReading()).replace(/}$/, ',}')],
      ['single quotes', "{'meterId': 'm-1'}"],
      ['a comment', '/* x */ {}'],
      ['two documents', () => JSON.stringify(aMeterReading()) + JSON.stringify(aMeterReading())],
    ])('refuses %s with 400', async (_what, text) => {
      const res = await explicit(typeof text === 'function' ? text() : text);
      expectErrorBody(res, 400);
    });

    it.each([
      ['__proto__', (r: object) => `{"__proto__":{"polluted":"yes"},${JSON.stringify(r).slice(1)}`],
      [
        'constructor.prototype',
        (r: object) => `{"constructor":{"prototype":{"polluted":"yes"}},${JSON.stringify(r).slice(1)}`,
      ],
      ['__proto__ inside a batch', (r: object) => `[{"__proto__":{"polluted":"yes"},${JSON.stringify(r).slice(1)}]`],
      ['a nested __proto__', (r: object) => `{"x":{"__proto__":{"polluted":"yes"}},${JSON.stringify(r).slice(1)}`],
      ['constructor as a plain value', (r: object) => `{"constructor":1,${JSON.stringify(r).slice(1)}`],
      ['hasOwnProperty as a plain value', (r: object) => `{"hasOwnProperty":1,${JSON.stringify(r).slice(1)}`],
    ])('does not let %s pollute prototypes (400, or stripped and stored)', async (_what, build) => {
      const res = await explicit(build(valid()));
      expect([201, 400]).toContain(res.status);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
      // The service still serves ordinary readings.
      await post(JSON.stringify(valid())).then((ok) => expect(ok.status).toBe(201));
    });

    it.each([
      'text/plain',
      'text/plain; charset=utf-8',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/xml',
      'application/octet-stream',
    ])('refuses Content-Type %s with 415 and stores nothing', async (contentType) => {
      const reading = aMeterReading();
      tally.explicit += 1;
      const res = await send(`${base}/v1/telemetry`, {
        method: 'POST',
        body: JSON.stringify(reading),
        headers: { 'content-type': contentType },
      });
      expectErrorBody(res, 415);
      expect(await t.db.count('meter_telemetry', 'meter_id = $1', [reading.meterId])).toBe(0);
    });

    it('stored exactly the acknowledged readings and nothing else, and the service still answers', async () => {
      await expectStoredExactly(t.db, acknowledged);
      const res = await post(JSON.stringify(aVehicleReading()));
      expect(res.status).toBe(201);
      await expectStoredExactly(t.db, acknowledged);
    });
  });
});

describe('size limits', () => {
  let t: TestApp;
  let base: string;
  beforeAll(async () => {
    t = await createTestApp({ env: { RATE_LIMIT_PER_MINUTE: '0', BODY_LIMIT_BYTES: '1024', BATCH_MAX_READINGS: '3' } });
    base = await listen(t.app);
  });
  afterAll(async () => {
    await t.close();
  });

  it('refuses a body over BODY_LIMIT_BYTES with 413 and stores nothing', async () => {
    const batch = Array.from({ length: 12 }, () => aMeterReading());
    const text = JSON.stringify(batch);
    expect(text.length).toBeGreaterThan(1024);
    const res = await postJson(`${base}/v1/telemetry`, text);
    expectErrorBody(res, 413);
    expect(await t.db.count('meter_telemetry')).toBe(0);
  });

  it('refuses an oversized body sent in chunks without Content-Length with 413', async () => {
    const reading = aMeterReading();
    const status = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(`${base}/v1/telemetry`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
      });
      req.on('response', (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.write(JSON.stringify(reading).replace(/}$/, ',"pad":"'));
      for (let i = 0; i < 8; i += 1) req.write('x'.repeat(512));
      req.end('"}');
    });
    expectErrorBody({ status: status.status, json: JSON.parse(status.body) }, 413);
    expect(await t.db.count('meter_telemetry', 'meter_id = $1', [reading.meterId])).toBe(0);
  });

  it('refuses a batch over BATCH_MAX_READINGS with 413 and stores nothing', async () => {
    const batch = Array.from({ length: 4 }, () => aMeterReading());
    const text = JSON.stringify(batch);
    expect(text.length).toBeLessThan(1024);
    const res = await postJson(`${base}/v1/telemetry`, text);
    expectErrorBody(res, 413);
    expect(await t.db.count('meter_telemetry')).toBe(0);
  });
});
