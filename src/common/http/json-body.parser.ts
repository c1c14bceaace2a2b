import type { FastifyInstance } from 'fastify';

/**
 * Deepest nesting a JSON body may have. Readings are three levels deep (batch → reading → value);
 * links one. class-transformer recurses once per level (several frames each), so a body of a few
 * thousand `[` overflows the stack inside the validation pipes and would surface as a 500.
 */
export const MAX_JSON_DEPTH = 32;

/** A body nested deeper than MAX_JSON_DEPTH: answered 400 by the error filter like any Fastify 4xx. */
class JsonTooDeepError extends Error {
  readonly code = 'JSON_TOO_DEEP';
  readonly statusCode = 400;
  constructor() {
    super(`Request body nests deeper than ${MAX_JSON_DEPTH} levels`);
  }
}

/**
 * Replaces Fastify's JSON parser with the same parser (same prototype-poisoning protection, same
 * empty and invalid body errors) followed by a nesting-depth check.
 */
export function useDepthLimitedJsonParser(fastify: FastifyInstance): void {
  const parse = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8'); // always a string with parseAs 'string'
    void parse(request, text, (error, value: unknown) => {
      if (error) done(error, undefined);
      else if (nestsDeeperThan(value, MAX_JSON_DEPTH)) done(new JsonTooDeepError(), undefined);
      else done(null, value);
    });
  });
}

/** Iterative (a recursive walk would overflow on the very bodies it must refuse). */
function nestsDeeperThan(value: unknown, limit: number): boolean {
  const stack: Array<{ node: object; depth: number }> = [];
  if (typeof value === 'object' && value !== null) stack.push({ node: value, depth: 1 });
  while (stack.length > 0) {
    const { node, depth } = stack.pop()!;
    if (depth > limit) return true;
    for (const child of Array.isArray(node) ? (node as unknown[]) : Object.values(node as Record<string, unknown>)) {
      if (typeof child === 'object' && child !== null) stack.push({ node: child, depth: depth + 1 });
    }
  }
  return false;
}
