import type { SecurityHeadersOptions } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Logger, PinoLogger } from 'nestjs-pino';
import { ApiKeys } from './auth/api-keys.ts';
import { type RateLimitSettings, useRateLimits } from './auth/rate-limits.ts';
import { afterFrameworkError, frameworkErrorsInOneShape } from './common/http/framework-errors.ts';
import { serveDashboard } from './dashboard/dashboard.setup.ts';
import { useDepthLimitedJsonParser } from './common/http/json-body.parser.ts';
import { closeKeepAliveOnShutdown } from './common/http/keep-alive-on-close.hook.ts';
import type { AppConfig } from './config/app-config.ts';
import { trustProxyOption } from './config/trust-proxy.ts';
import { Metrics } from './observability/metrics.ts';
import { RequestLog } from './observability/request-log.ts';
import { setupOpenApi } from './openapi/openapi.setup.ts';

type HttpSettings = Pick<
  AppConfig,
  'BODY_LIMIT_BYTES' | 'CORS_ORIGINS' | 'LOG_LEVEL' | 'PUBLIC_URL' | 'DOCS_ENABLED' | 'TRUST_PROXY' | 'DASHBOARD_DIR'
> &
  RateLimitSettings;

/**
 * The HTTP adapter the service runs on, shared by main.ts and the tests. Fastify gives every
 * request an id (the client's `x-request-id` when it is sane, else a UUID), echoed back. Fastify's
 * own logger is off: the one log pipeline is nestjs-pino's (see observability/logging.module.ts).
 */
export function createAdapter(config: HttpSettings): FastifyAdapter {
  const adapter: FastifyAdapter = new FastifyAdapter({
    bodyLimit: config.BODY_LIMIT_BYTES,
    routerOptions: { maxParamLength: 200 },
    return503OnClosing: true,
    logger: false,
    requestIdHeader: false,
    genReqId: requestId,
    frameworkErrors: frameworkErrorsInOneShape(() => adapter),
    trustProxy: trustProxyOption(config.TRUST_PROXY),
  });
  return adapter;
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
  app.useLogger(app.get(Logger));
  const requestLog = new RequestLog(() => PinoLogger.root, app.get(ApiKeys));
  afterFrameworkError(app.getHttpAdapter() as FastifyAdapter, (request, reply) =>
    requestLog.record(request, reply, 'unrouted'),
  );
  const pino = await app.resolve(PinoLogger);
  // The body arrives in stream events, outside the context nestjs-pino's middleware opened in
  // onRequest: re-enter it, so that guards, pipes, handlers and the error filter log with the id.
  fastify.addHook('preHandler', (request, _reply, done) => {
    pino.runInContext(done, { bindings: { reqId: request.id } });
  });
  fastify.addHook('onSend', (request, reply, payload, done) => {
    void reply.header('x-request-id', request.id);
    done(null, payload);
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.httpSeconds.observe({ method: request.method, route, status: reply.statusCode }, reply.elapsedTime / 1000);
    requestLog.record(request, reply, route);
    done();
  });
  app.useSecurityHeaders(securityHeaders(config));
  const origins =
    config.CORS_ORIGINS?.split(',')
      .map((origin) => origin.trim())
      .filter(Boolean) ?? [];
  if (origins.length > 0) app.enableCors({ origin: origins });
  await useRateLimits(app, config);
  setupOpenApi(app, config);
  await serveDashboard(app, config);
  return app;
}

/**
 * Nest's defaults (helmet's), except that HSTS and the CSP's upgrade-insecure-requests are sent
 * only when the service is reached over TLS (PUBLIC_URL is https): over plain HTTP the directive
 * sends the browser to https for /docs' scripts and styles, and the page stays blank.
 */
function securityHeaders(config: HttpSettings): SecurityHeadersOptions {
  if (config.PUBLIC_URL?.startsWith('https://')) return {};
  return { contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } }, strictTransportSecurity: false };
}

function requestId(request: IncomingMessage): string {
  const sent = request.headers['x-request-id'];
  return typeof sent === 'string' && /^[\w.:-]{1,128}$/.test(sent) ? sent : randomUUID();
}
