import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AppConfig } from './config/app-config.ts';

/** The HTTP adapter the service runs on, shared by main.ts and the tests. */
export function createAdapter(config: Pick<AppConfig, 'BODY_LIMIT_BYTES'>): FastifyAdapter {
  return new FastifyAdapter({
    bodyLimit: config.BODY_LIMIT_BYTES,
    routerOptions: { maxParamLength: 200 },
    return503OnClosing: true,
  });
}

/** Everything done to the application after it is created, shared by main.ts and the tests. */
export function configureApp(app: NestFastifyApplication): NestFastifyApplication {
  app.enableShutdownHooks();
  return app;
}
