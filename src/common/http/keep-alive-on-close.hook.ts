import type { FastifyInstance } from 'fastify';

/**
 * Once the server is closing, every response says `Connection: close`, so that each keep-alive
 * connection ends right after its last answer. Without this, a connection whose request was in
 * flight when close began is kept alive after answering (Fastify's keepAliveTimeout is 72 s);
 * server.close() closes only the connections idle at that moment and then waits for it, so
 * behind a load balancer (which keeps connections open) a graceful shutdown never finished
 * within SHUTDOWN_TIMEOUT_MS and the process exited 1.
 */
export function closeKeepAliveOnShutdown(fastify: FastifyInstance): void {
  let closing = false;
  // preClose runs inside fastify.close(), before server.close() reaps the idle connections.
  fastify.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) void reply.header('connection', 'close');
    done(null, payload);
  });
}
