import request from 'supertest';
import type { TestApp } from '../setup/test-app.ts';

/** The writer's flush figures, read from GET /metrics (the app under test runs without API keys). */
export interface FlushFigures {
  /** Every statement the writer ran, committed or failed (telemetry_flush_duration_seconds). */
  flushes: number;
  /** Committed flushes and the readings they held (telemetry_flush_readings). */
  committedFlushes: number;
  committedReadings: number;
}

export async function flushFigures(t: TestApp): Promise<FlushFigures> {
  const text = (await request(t.server).get('/metrics').expect(200)).text;
  const value = (name: string): number => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
  return {
    flushes: value('telemetry_flush_duration_seconds_count'),
    committedFlushes: value('telemetry_flush_readings_count'),
    committedReadings: value('telemetry_flush_readings_sum'),
  };
}
