/**
 * The floor under the service: a bare Fastify route that parses the same JSON body and answers 201
 * with the same acknowledgement shape, touching no database. `npm run bench` runs it beside the
 * service and divides the service's single-reading rate by this one: the ratio is what the
 * framework, validation and group commit cost, and machine noise moves both sides alike.
 */
import Fastify from 'fastify';

const app = Fastify({ logger: false, bodyLimit: 4 * 1024 * 1024 });

app.post('/v1/telemetry', async (request, reply) => {
  const count = Array.isArray(request.body) ? request.body.length : 1;
  reply.code(201);
  return { accepted: count, duplicates: 0 };
});
app.get('/health', async () => ({ status: 'ok' }));

await app.listen({ port: Number(process.env.PORT ?? 3991), host: '127.0.0.1' });

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.once(signal, () => {
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
