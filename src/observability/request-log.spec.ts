import type { FastifyReply, FastifyRequest } from 'fastify';
import { pino } from 'pino';
import { ApiKeys } from '../auth/api-keys.ts';
import { RequestLog } from './request-log.ts';

/** Readiness probes: one line when the answer changes, none per probe while it stays the same. */
describe('RequestLog on /health', () => {
  const written: Array<{ level: number; msg: string; reqId: string }> = [];
  const root = pino({ level: 'debug' }, { write: (line: string) => void written.push(JSON.parse(line)) });
  const log = new RequestLog(() => root, ApiKeys.parse(''));
  let n = 0;
  const probe = (statusCode: number): void => {
    n += 1;
    const request = { id: `probe-${n}`, method: 'GET', headers: {} } as unknown as FastifyRequest;
    log.record(request, { statusCode, elapsedTime: 1 } as FastifyReply, '/health');
  };

  it('logs the transitions only', () => {
    probe(200);
    for (let i = 0; i < 5; i += 1) probe(503);
    for (let i = 0; i < 3; i += 1) probe(200);
    probe(503);
    expect(written.map(({ level, msg, reqId }) => ({ level, msg, reqId }))).toEqual([
      { level: 40, msg: 'readiness: not ready (logged once until it changes)', reqId: 'probe-2' },
      { level: 30, msg: 'readiness: ready again', reqId: 'probe-7' },
      { level: 40, msg: 'readiness: not ready (logged once until it changes)', reqId: 'probe-10' },
    ]);
  });
});
