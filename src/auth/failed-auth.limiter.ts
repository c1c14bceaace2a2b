import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { RequestBudget } from './request-budget.ts';

/**
 * Requests refused 401/403, counted per client address (never per presented key: a flood of random
 * keys would get a fresh budget with each). The guard counts each refusal; once an address is over
 * RATE_LIMIT_FAILED_AUTH_PER_MINUTE its requests without a valid key are answered 429 (before their
 * body is read), while requests with a valid key from the same address (the rest of a fleet behind
 * one gateway) go on. Given its budget by configureApp (the counters live in the Fastify plugin).
 */
@Injectable()
export class FailedAuthLimiter {
  private budget: RequestBudget | undefined;

  use(budget: RequestBudget): void {
    this.budget = budget;
  }

  /** Counts a refused request; the seconds to wait when its address is now over the budget. */
  async refused(request: FastifyRequest): Promise<number | undefined> {
    return this.budget?.spend(request);
  }

  /** Whether the address is already over the budget (nothing counted). */
  async overspent(request: FastifyRequest): Promise<number | undefined> {
    return this.budget?.overspent(request);
  }
}
