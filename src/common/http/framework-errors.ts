import type { FastifyAdapter } from '@nestjs/platform-fastify';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { errorBody } from '../errors/error-body.ts';
import { rememberErrorCode } from '../errors/error-code.ts';

const MESSAGES: Record<string, string> = {
  FST_ERR_BAD_URL: 'The URL is malformed (bad percent-encoding?)',
  FST_ERR_ASYNC_CONSTRAINT: 'The request could not be routed',
};

/**
 * Fastify's router answers a malformed URL (400) or an over-long path parameter (414) before any
 * hook or Nest filter runs, with Fastify's own error body (it has a `code` field). This answers
 * them in the one error shape instead. Nest's adapter sends its security headers from the same
 * callback, which this replaces: it calls that hook too (test/e2e/logging.e2e-spec.ts checks them).
 */
export function frameworkErrorsInOneShape(adapter: () => FastifyAdapter) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void => {
    const status = error.statusCode ?? 400;
    try {
      adapterSecurityHook(adapter())?.(request, reply.raw);
    } catch {
      // The request is refused either way (as in Nest's own callback).
    }
    rememberErrorCode(request, error.code);
    void reply
      .status(status)
      .type('application/json; charset=utf-8')
      .send(errorBody(status, MESSAGES[error.code] ?? error.message));
    // No onResponse hook runs for these requests: log them here.
    AFTER_FRAMEWORK_ERROR.get(adapter())?.(request, reply);
  };
}

type AfterFrameworkError = (request: FastifyRequest, reply: FastifyReply) => void;
const AFTER_FRAMEWORK_ERROR = new WeakMap<FastifyAdapter, AfterFrameworkError>();

/** What to do once such an error was answered (log it), set when the application is configured. */
export function afterFrameworkError(adapter: FastifyAdapter, then: AfterFrameworkError): void {
  AFTER_FRAMEWORK_ERROR.set(adapter, then);
}

type SecurityHook = (request: FastifyRequest, response: FastifyReply['raw']) => unknown;

/** The hook `app.useSecurityHeaders()` registers on Nest's Fastify adapter (not part of its typed API). */
function adapterSecurityHook(adapter: FastifyAdapter): SecurityHook | undefined {
  return (adapter as unknown as { securityHook?: SecurityHook }).securityHook;
}
