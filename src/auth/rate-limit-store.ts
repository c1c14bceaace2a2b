import type { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import type { Metrics } from '../observability/metrics.ts';
import type { StoreErrorSink } from './request-budget.ts';

/** How long start-up waits for Redis before going on without it (the limits fail open meanwhile). */
const FIRST_CONNECT_WAIT_MS = 2_000;

/**
 * The Redis client behind the shared limits, set up for a rate limiter (the plugin's advice): a
 * command fails at once while disconnected (no offline queue) or after COMMAND_TIMEOUT_MS, never
 * holding a request; ioredis reconnects by itself.
 */
export async function connectRateLimitRedis(url: string, logger: Logger): Promise<Redis> {
  const redis = new Redis(url, {
    connectionName: 'energy-ingestion-rate-limits',
    connectTimeout: 1_000,
    commandTimeout: 500,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
  });
  let up = false;
  redis.on('ready', () => {
    if (!up) logger.log('Rate-limit counters in Redis');
    up = true;
  });
  redis.on('error', (error: Error) => {
    if (up) logger.warn(`Redis for rate limits unreachable (${error.message}): limits fail open until it is back`);
    up = false;
  });
  const first = await Promise.race([
    new Promise<'ready'>((resolve) => redis.once('ready', () => resolve('ready'))),
    new Promise<string>((resolve) => redis.once('error', (error: Error) => resolve(error.message))),
    new Promise<string>((resolve) => setTimeout(() => resolve('no answer'), FIRST_CONNECT_WAIT_MS).unref()),
  ]);
  if (first !== 'ready') {
    logger.warn(`Redis for rate limits unreachable at start-up (${first}): limits fail open until it is back`);
  }
  return redis;
}

/**
 * Fail open: a limit whose counters cannot be read lets the request through, so an outage of Redis
 * never refuses the fleet. Each such request counts in `rate_limit_store_errors_total`; the log says
 * so once per outage, not once per request.
 */
export class FailOpenReporter implements StoreErrorSink {
  private failing = false;

  constructor(
    private readonly logger: Logger,
    private readonly metrics: Metrics,
  ) {}

  failed(error: unknown): void {
    this.metrics.rateLimitStoreErrors.inc();
    if (this.failing) return;
    this.failing = true;
    const message = error instanceof Error ? error.message : String(error);
    this.logger.warn(`Rate-limit counters unavailable (${message}): requests go through unlimited`);
  }

  succeeded(): void {
    if (!this.failing) return;
    this.failing = false;
    this.logger.log('Rate-limit counters available again');
  }
}
