import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { presentedKey } from '../auth/api-key.guard.ts';
import type { ApiKeys } from '../auth/api-keys.ts';
import { errorCodeOf } from '../common/errors/error-code.ts';

const READINESS_ROUTE = '/health';

/**
 * The one line per request an operator reads: failures at error, refusals at warn (with the error
 * code, the route, the device id when the request names one, and the key's role, never the key),
 * successes at debug only. Readiness probes log only when the answer changes, so a database that
 * is down does not write a line per probe.
 */
export class RequestLog {
  private readinessStatus = 200;

  constructor(
    private readonly root: () => Logger,
    private readonly keys: ApiKeys,
  ) {}

  /** The logger for a line about this request: every line carries its id. */
  forRequest(request: FastifyRequest): Logger {
    return this.root().child({ reqId: request.id });
  }

  record(request: FastifyRequest, reply: FastifyReply, route: string): void {
    const status = reply.statusCode;
    const log = this.forRequest(request);
    if (route === READINESS_ROUTE) return this.readiness(log, status);
    const line = { method: request.method, route, statusCode: status, ms: Math.round(reply.elapsedTime) };
    if (status >= 500) log.error({ ...line, code: errorCodeOf(request) }, 'request failed');
    else if (status >= 400) log.warn({ ...line, ...this.refusal(request) }, 'request refused');
    else log.debug(line, 'request completed');
  }

  private readiness(log: Logger, status: number): void {
    if (status === this.readinessStatus) return;
    if (status === 200) log.info({ statusCode: status }, 'readiness: ready again');
    else log.warn({ statusCode: status }, 'readiness: not ready (logged once until it changes)');
    this.readinessStatus = status;
  }

  private refusal(request: FastifyRequest): Record<string, string> {
    const fields: Record<string, string> = { code: errorCodeOf(request) ?? 'UNKNOWN' };
    const deviceId = deviceIdOf(request);
    if (deviceId !== undefined) fields.deviceId = deviceId;
    const key = presentedKey(request);
    if (key !== undefined) fields.role = this.keys.roleOf(key) ?? 'unknown key';
    return fields;
  }
}

/** The device a request is about: a path parameter, or the id in a single reading's body. */
function deviceIdOf(request: FastifyRequest): string | undefined {
  for (const source of [request.params, request.body]) {
    if (typeof source !== 'object' || source === null || Array.isArray(source)) continue;
    const { vehicleId, meterId } = source as Record<string, unknown>;
    const id = typeof meterId === 'string' ? meterId : vehicleId;
    if (typeof id === 'string') return id.slice(0, 64);
  }
  return undefined;
}
