import rateLimit from '@fastify/rate-limit';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';
import { presentedKey } from './auth/api-key.guard.ts';
import { hashApiKey } from './auth/api-keys.ts';
import type { AppConfig } from './config/app-config.ts';

type HttpSettings = Pick<AppConfig, 'BODY_LIMIT_BYTES' | 'RATE_LIMIT_PER_MINUTE' | 'CORS_ORIGINS'>;

/** The HTTP adapter the service runs on, shared by main.ts and the tests. */
export function createAdapter(config: HttpSettings): FastifyAdapter {
  return new FastifyAdapter({
    bodyLimit: config.BODY_LIMIT_BYTES,
    routerOptions: { maxParamLength: 200 },
    return503OnClosing: true,
  });
}

/**
 * Options for creating the application. Nest's own body parsers are off: Fastify's JSON parser is
 * the only one, so every other content type (text/plain, forms) is answered 415.
 */
export const APP_OPTIONS = { bodyParser: false } as const;

/** Everything done to the application after it is created, shared by main.ts and the tests. */
export async function configureApp(app: NestFastifyApplication, config: HttpSettings): Promise<NestFastifyApplication> {
  app.getHttpAdapter().getInstance().removeContentTypeParser('text/plain');
  app.useSecurityHeaders();
  const origins =
    config.CORS_ORIGINS?.split(',')
      .map((origin) => origin.trim())
      .filter(Boolean) ?? [];
  if (origins.length > 0) app.enableCors({ origin: origins });
  if (config.RATE_LIMIT_PER_MINUTE > 0) {
    await app.register(rateLimit, {
      max: config.RATE_LIMIT_PER_MINUTE,
      timeWindow: 60_000,
      keyGenerator: rateLimitKey,
    });
  }
  return app;
}

/**
 * Per client: address and API key (hashed, never kept in clear). A fleet's devices usually share
 * one device key, so the key alone would throttle the whole fleet as one client.
 */
function rateLimitKey(request: FastifyRequest): string {
  const key = presentedKey(request);
  return key === undefined ? request.ip : `${request.ip}|${hashApiKey(key)}`;
}
