import type { FastifyInstance, FastifyRequest } from 'fastify';

export type Limiter = ReturnType<FastifyInstance['createRateLimit']>;

/** What a budget does when its counter store (Redis) fails: the request goes through (fail open). */
export interface StoreErrorSink {
  failed(error: unknown): void;
  succeeded(): void;
}

/**
 * One rate limit: a counter per key (from the limiter's key generator) in a fixed window, kept by
 * @fastify/rate-limit in process or in Redis. Answers the seconds to wait once a key is over its
 * budget, undefined otherwise; a store failure lets the request through and is reported.
 */
export class RequestBudget {
  constructor(
    private readonly limiter: Limiter,
    private readonly store: StoreErrorSink,
  ) {}

  /** Counts the request against its key. */
  spend(request: FastifyRequest): Promise<number | undefined> {
    return this.check(request, true);
  }

  /** Whether the key is already over its budget, without counting the request. */
  overspent(request: FastifyRequest): Promise<number | undefined> {
    return this.check(request, false);
  }

  private async check(request: FastifyRequest, increment: boolean): Promise<number | undefined> {
    let result: Awaited<ReturnType<Limiter>>;
    try {
      result = await this.limiter(request, { increment });
    } catch (error) {
      this.store.failed(error);
      return undefined;
    }
    this.store.succeeded();
    if (result.isAllowed || !result.isExceeded) return undefined;
    return Math.max(1, result.ttlInSeconds);
  }
}
