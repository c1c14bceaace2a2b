import request from 'supertest';
import type { IngestAck } from '../../src/telemetry/reading.ts';
import type { TestApp } from '../setup/test-app.ts';

/** Requests that set the stage through the API, as devices and operators do. */

/** POSTs `body` (one reading or an array) to /v1/telemetry, expects 201 and answers the acknowledgement. */
export async function postTelemetry(t: TestApp, body: object | object[]): Promise<IngestAck> {
  const res = await request(t.server).post('/v1/telemetry').send(body).expect(201);
  return res.body as IngestAck;
}

/** POSTs `readings` to /v1/telemetry and expects every one stored (none a duplicate). */
export async function ingest(t: TestApp, readings: object[]): Promise<void> {
  expect(await postTelemetry(t, readings)).toEqual({
    accepted: readings.length,
    duplicates: 0,
    suspect: 0,
    conflicts: 0,
  });
}

/** Links a vehicle to a meter (POST /v1/links), expecting 201. */
export async function link(t: TestApp, vehicleId: string, meterId: string): Promise<void> {
  await request(t.server).post('/v1/links').send({ vehicleId, meterId }).expect(201);
}
