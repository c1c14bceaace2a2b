import 'reflect-metadata';
import { Test } from '@nestjs/testing';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from '../../src/app.module.ts';
import { APP_OPTIONS, configureApp, createAdapter } from '../../src/app.setup.ts';
import { AppConfig } from '../../src/config/app-config.ts';
import { type EnvSchema, validateEnv } from '../../src/config/env.schema.ts';

type Overrides = Partial<Record<keyof EnvSchema, string>>;

/**
 * The application built as test/setup/test-app.ts builds it (same module, adapter and setup), but
 * on a database URL the caller chooses and owns: one that is unreachable, or one the test takes
 * down and brings back. createTestApp cannot do this, as it makes (and needs) a healthy database.
 */
export async function createAppOn(databaseUrl: string, env: Overrides = {}): Promise<NestFastifyApplication> {
  const config = validateEnv({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    ATTRIBUTION_SNAPSHOT_INTERVAL_MS: '0',
    ...env,
    DATABASE_URL: databaseUrl,
  });
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] })
    .overrideProvider(AppConfig)
    .useValue(config)
    .compile();
  const app = await configureApp(
    moduleRef.createNestApplication<NestFastifyApplication>(createAdapter(config), { ...APP_OPTIONS, logger: false }),
    config,
  );
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}
