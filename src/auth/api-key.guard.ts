import {
  type CanActivate,
  type ExecutionContext,
  ForbiddenException,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Metrics } from '../observability/metrics.ts';
import { ApiKeys, type Role } from './api-keys.ts';
import { FailedAuthLimiter } from './failed-auth.limiter.ts';
import { RateLimitExceeded } from './rate-limit-exceeded.ts';
import { REQUIRED_ROLE } from './require-role.decorator.ts';

/**
 * Routes marked with @RequireRole need an API key of that role, sent as `Authorization: Bearer <key>`
 * or `x-api-key: <key>`: 401 without a valid key, 403 with a key of another role. Routes without
 * the mark (health) are open. With no keys configured every route is open (development only).
 * Each refusal counts against the address's failed-authentication budget; over it, the answer is 429.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly keys: ApiKeys,
    private readonly reflector: Reflector,
    private readonly failures: FailedAuthLimiter,
    private readonly metrics: Metrics,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const required = this.reflector.getAllAndOverride<Role | undefined>(REQUIRED_ROLE, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!required || !this.keys.enabled) return true;
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const presented = presentedKey(request);
    const role = presented === undefined ? undefined : this.keys.roleOf(presented);
    if (role === required) return true;
    const retryAfter = await this.failures.refused(request);
    if (retryAfter !== undefined) {
      this.metrics.rateLimited.inc({ limit: 'failed_auth' });
      throw RateLimitExceeded.after(reply, retryAfter, 'Too many failed authentications from this address');
    }
    if (!role) {
      void reply.header('WWW-Authenticate', 'Bearer');
      throw new UnauthorizedException('A valid API key is required (Authorization: Bearer <key> or x-api-key)');
    }
    throw new ForbiddenException(`This route needs an API key with the '${required}' role`);
  }
}

export function presentedKey(request: FastifyRequest): string | undefined {
  const header = request.headers['x-api-key'];
  if (typeof header === 'string' && header.length > 0) return header;
  const authorization = request.headers.authorization;
  const match = authorization === undefined ? null : /^Bearer\s+(\S+)$/i.exec(authorization);
  return match?.[1];
}
