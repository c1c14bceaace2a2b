import { HttpException, HttpStatus } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

/** A 429 in the one error shape, with the seconds to wait in `Retry-After`. */
export class RateLimitExceeded extends HttpException {
  constructor(message: string) {
    super(message, HttpStatus.TOO_MANY_REQUESTS);
  }

  static after(reply: FastifyReply, retryAfterSeconds: number, what: string): RateLimitExceeded {
    void reply.header('Retry-After', String(retryAfterSeconds));
    return new RateLimitExceeded(`${what}; retry in ${retryAfterSeconds} s`);
  }
}
