import rateLimit, { normalizeIP } from '@fastify/rate-limit';
import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';
import type { AppConfig } from '../config/app-config.ts';
import { Metrics } from '../observability/metrics.ts';
import { presentedKey } from './api-key.guard.ts';
import { ApiKeys, hashApiKey, type Role } from './api-keys.ts';
import { FailedAuthLimiter } from './failed-auth.limiter.ts';
import { connectRateLimitRedis, FailOpenReporter } from './rate-limit-store.ts';
import { RateLimitExceeded } from './rate-limit-exceeded.ts';
import { RequestBudget } from './request-budget.ts';

export type RateLimitSettings = Pick<
  AppConfig,
  | 'RATE_LIMIT_PER_MINUTE'
  | 'RATE_LIMIT_FAILED_AUTH_PER_MINUTE'
  | 'RATE_LIMIT_DEVICE_KEY_PER_MINUTE'
  | 'RATE_LIMIT_OPERATOR_KEY_PER_MINUTE'
  | 'REDIS_URL'
  | 'REDIS_KEY_PREFIX'
>;

const WINDOW_MS = 60_000;

/**
 * The limits, in the order a request meets them (README "Rate limits"); /health* meets none:
 * 1. failed authentication per address (always on with API_KEYS): counted by the guard on each
 *    401/403; over the budget, a request without a valid key is refused here, before its body is read;
 * 2. every request per address (RATE_LIMIT_PER_MINUTE, sized for a whole fleet behind one gateway);
 * 3. opt-in, per valid API key by its role.
 * Counters are @fastify/rate-limit's, in Redis when REDIS_URL is set (shared by every replica), in
 * process otherwise; when Redis fails the limits fail open (see FailOpenReporter).
 */
export async function useRateLimits(app: NestFastifyApplication, config: RateLimitSettings): Promise<void> {
  const logger = new Logger('RateLimits');
  const fastify = app.getHttpAdapter().getInstance();
  const metrics = app.get(Metrics);
  const keys = app.get(ApiKeys);
  const redis = config.REDIS_URL ? await connectRateLimitRedis(config.REDIS_URL, logger) : undefined;
  if (redis) fastify.addHook('onClose', async () => void (await redis.quit().catch(() => redis.disconnect())));
  await app.register(rateLimit, { global: false, redis, nameSpace: config.REDIS_KEY_PREFIX });

  const store = new FailOpenReporter(logger, metrics);
  const budget = (max: number, key: (request: FastifyRequest) => string): RequestBudget =>
    new RequestBudget(fastify.createRateLimit({ max, timeWindow: WINDOW_MS, keyGenerator: key }), store);
  const address = (request: FastifyRequest): string => normalizeIP(request.ip);

  const failedAuth = budget(config.RATE_LIMIT_FAILED_AUTH_PER_MINUTE, (r) => `failed-auth:${address(r)}`);
  app.get(FailedAuthLimiter).use(failedAuth);
  const perAddress =
    config.RATE_LIMIT_PER_MINUTE > 0 ? budget(config.RATE_LIMIT_PER_MINUTE, (r) => `address:${address(r)}`) : undefined;
  const perKey: Partial<Record<Role, RequestBudget>> = {};
  const keyBucket = (r: FastifyRequest): string => `key:${hashApiKey(presentedKey(r) ?? '')}`;
  if (config.RATE_LIMIT_DEVICE_KEY_PER_MINUTE > 0) {
    perKey.device = budget(config.RATE_LIMIT_DEVICE_KEY_PER_MINUTE, keyBucket);
  }
  if (config.RATE_LIMIT_OPERATOR_KEY_PER_MINUTE > 0) {
    perKey.operator = budget(config.RATE_LIMIT_OPERATOR_KEY_PER_MINUTE, keyBucket);
  }

  fastify.addHook('onRequest', async (request, reply) => {
    if (isProbe(request)) return;
    const role = keys.enabled ? roleOf(keys, request) : undefined;
    const check = async (limit: string, what: string, pending: Promise<number | undefined>): Promise<void> => {
      const retryAfter = await pending;
      if (retryAfter === undefined) return;
      metrics.rateLimited.inc({ limit });
      throw RateLimitExceeded.after(reply, retryAfter, what);
    };
    if (keys.enabled && role === undefined) {
      await check('failed_auth', 'Too many failed authentications from this address', failedAuth.overspent(request));
    }
    if (perAddress) await check('address', 'Too many requests from this address', perAddress.spend(request));
    const keyBudget = role === undefined ? undefined : perKey[role];
    if (keyBudget) await check(`${role}_key`, 'Too many requests with this API key', keyBudget.spend(request));
  });
}

/** The probes an orchestrator calls: never limited, or a healthy instance would be drained. */
function isProbe(request: FastifyRequest): boolean {
  const route = request.routeOptions.url;
  return route === '/health' || route?.startsWith('/health/') === true;
}

function roleOf(keys: ApiKeys, request: FastifyRequest): Role | undefined {
  const key = presentedKey(request);
  return key === undefined ? undefined : keys.roleOf(key);
}
