import {
  type CanActivate,
  type ExecutionContext,
  ForbiddenException,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiKeys, type Role } from './api-keys.ts';
import { REQUIRED_ROLE } from './require-role.decorator.ts';

/**
 * Routes marked with @RequireRole need an API key of that role, sent as `Authorization: Bearer <key>`
 * or `x-api-key: <key>`: 401 without a valid key, 403 with a key of another role. Routes without
 * the mark (health) are open. With no keys configured every route is open (development only).
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly keys: ApiKeys,
    private readonly reflector: Reflector,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const required = this.reflector.getAllAndOverride<Role | undefined>(REQUIRED_ROLE, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!required || !this.keys.enabled) return true;
    const http = context.switchToHttp();
    const presented = presentedKey(http.getRequest<FastifyRequest>());
    const role = presented === undefined ? undefined : this.keys.roleOf(presented);
    if (!role) {
      void http.getResponse<FastifyReply>().header('WWW-Authenticate', 'Bearer');
      throw new UnauthorizedException('A valid API key is required (Authorization: Bearer <key> or x-api-key)');
    }
    if (role !== required) throw new ForbiddenException(`This route needs an API key with the '${required}' role`);
    return true;
  }
}

export function presentedKey(request: FastifyRequest): string | undefined {
  const header = request.headers['x-api-key'];
  if (typeof header === 'string' && header.length > 0) return header;
  const authorization = request.headers.authorization;
  const match = authorization === undefined ? null : /^Bearer\s+(\S+)$/i.exec(authorization);
  return match?.[1];
}
