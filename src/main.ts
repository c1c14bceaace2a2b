import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module.ts';
import { APP_OPTIONS, configureApp, createAdapter } from './app.setup.ts';
import { AppConfig } from './config/app-config.ts';
import { validateEnv } from './config/env.schema.ts';

const logger = new Logger('Bootstrap');

async function bootstrap(): Promise<void> {
  const env = validateEnv(process.env);
  const app = await configureApp(
    await NestFactory.create<NestFastifyApplication>(AppModule, createAdapter(env), {
      ...APP_OPTIONS,
      bufferLogs: true,
    }),
    env,
  );
  const config = app.get(AppConfig);
  closeGracefullyOnSignals(app, config.SHUTDOWN_TIMEOUT_MS);
  await app.listen({ port: config.PORT, host: config.HOST });
  logger.log(`Listening on ${await app.getUrl()}`);
}

/**
 * SIGTERM/SIGINT: stop accepting, let in-flight requests finish (each answered only after its
 * write committed), drain the writer, close the pool, exit 0. Past the timeout, exit 1.
 */
function closeGracefullyOnSignals(app: NestFastifyApplication, timeoutMs: number): void {
  let closing = false;
  const close = (signal: NodeJS.Signals): void => {
    if (closing) return;
    closing = true;
    const startedAt = Date.now();
    logger.log(`${signal} received: closing`);
    setTimeout(() => {
      logger.error(`Shutdown took longer than ${timeoutMs} ms; exiting`);
      process.exit(1);
    }, timeoutMs).unref();
    app.close().then(
      () => {
        logger.log(`Shutdown finished in ${Date.now() - startedAt} ms`);
        process.exit(0);
      },
      (error: unknown) => {
        logger.error(`Shutdown failed: ${String(error)}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', close);
  process.once('SIGINT', close);
}

bootstrap().catch((error: unknown) => {
  logger.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
