import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { type FastifyReply, type FastifyRequest, LogController } from 'fastify';
import { type RateLimitSettings, useRateLimits } from './auth/rate-limits.ts';
import { useDepthLimitedJsonParser } from './common/http/json-body.parser.ts';
import { closeKeepAliveOnShutdown } from './common/http/keep-alive-on-close.hook.ts';
import type { AppConfig } from './config/app-config.ts';
import { trustProxyOption } from './config/trust-proxy.ts';
import { Metrics } from './observability/metrics.ts';
import { setupOpenApi } from './openapi/openapi.setup.ts';

type HttpSettings = Pick<AppConfig, 'BODY_LIMIT_BYTES' | 'CORS_ORIGINS' | 'LOG_LEVEL' | 'TRUST_PROXY'> &
  RateLimitSettings;

/**
 * The HTTP adapter the service runs on, shared by main.ts and the tests. Fastify's pino logger
 * gives every request an id (the client's `x-request-id` when it is sane, else a UUID), echoed
 * back; its per-request lines are off so the hot path logs nothing at info (see logRequest).
 */
export function createAdapter(config: HttpSettings): FastifyAdapter {
  return new FastifyAdapter({
    bodyLimit: config.BODY_LIMIT_BYTES,
    routerOptions: { maxParamLength: 200 },
    return503OnClosing: true,
    logger: { level: config.LOG_LEVEL, redact: ['req.headers.authorization', 'req.headers["x-api-key"]'] },
    logController: new LogController({ disableRequestLogging: true }),
    requestIdHeader: false,
    genReqId: requestId,
    trustProxy: trustProxyOption(config.TRUST_PROXY),
  });
}

/**
 * Options for creating the application. Nest's own body parsers are off: Fastify's JSON parser is
 * the only one, so every other content type (text/plain, forms) is answered 415.
 */
export const APP_OPTIONS = { bodyParser: false } as const;

/** Everything done to the application after it is created, shared by main.ts and the tests. */
export async function configureApp(app: NestFastifyApplication, config: HttpSettings): Promise<NestFastifyApplication> {
  const fastify = app.getHttpAdapter().getInstance();
  fastify.removeContentTypeParser('text/plain');
  useDepthLimitedJsonParser(fastify);
  closeKeepAliveOnShutdown(fastify);
  const metrics = app.get(Metrics);
  fastify.addHook('onSend', (request, reply, payload, done) => {
    void reply.header('x-request-id', request.id);
    done(null, payload);
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.httpSeconds.observe({ method: request.method, route, status: reply.statusCode }, reply.elapsedTime / 1000);
    logRequest(request, reply, route);
    done();
  });
  app.useSecurityHeaders();
  const origins =
    config.CORS_ORIGINS?.split(',')
      .map((origin) => origin.trim())
      .filter(Boolean) ?? [];
  if (origins.length > 0) app.enableCors({ origin: origins });
  await useRateLimits(app, config);
  setupOpenApi(app);
  return app;
}

function requestId(request: IncomingMessage): string {
  const sent = request.headers['x-request-id'];
  return typeof sent === 'string' && /^[\w.:-]{1,128}$/.test(sent) ? sent : randomUUID();
}

/** Failures at warn/error, successes at debug only. */
function logRequest(request: FastifyRequest, reply: FastifyReply, route: string): void {
  const line = { method: request.method, route, statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime) };
  if (reply.statusCode >= 500) request.log.error(line, 'request failed');
  else if (reply.statusCode >= 400) request.log.warn(line, 'request refused');
  else request.log.debug(line, 'request completed');
}
