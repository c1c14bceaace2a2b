import 'reflect-metadata';
import { Test } from '@nestjs/testing';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from '../../src/app.module.ts';
import { APP_OPTIONS, configureApp, createAdapter } from '../../src/app.setup.ts';
import { Clock } from '../../src/common/time/clock.ts';
import { AppConfig } from '../../src/config/app-config.ts';
import { type EnvSchema, validateEnv } from '../../src/config/env.schema.ts';
import { LOG_DESTINATION } from '../../src/observability/logging.module.ts';
import { createTestDatabase, dropTestDatabase, TestDb } from './test-db.ts';

/** A clock the test sets; starts at a fixed instant. */
export class FixedClock extends Clock {
  constructor(private current: Date) {
    super();
  }
  now(): Date {
    return new Date(this.current);
  }
  set(instant: Date | string): void {
    this.current = new Date(instant);
  }
}

export interface TestApp {
  app: NestFastifyApplication;
  /** The raw Node server, for Supertest. */
  server: ReturnType<NestFastifyApplication['getHttpServer']>;
  db: TestDb;
  clock: FixedClock;
  config: AppConfig;
  close(): Promise<void>;
}

type Overrides = Partial<Record<keyof EnvSchema, string>>;

/**
 * The application exactly as main.ts builds it, on a fresh database cloned from the migrated
 * template, with the clock pinned (defaults to the real now, so partitions made ahead fit).
 */
export async function createTestApp(
  options: { env?: Overrides; now?: Date; logDestination?: { write(line: string): void } } = {},
): Promise<TestApp> {
  const databaseUrl = await createTestDatabase();
  const config = validateEnv({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DASHBOARD_DIR: process.env.TEST_DASHBOARD_DIR, // the page global setup built
    ATTRIBUTION_SNAPSHOT_INTERVAL_MS: '0', // tests that read snapshots build them (AttributionSnapshots.build)
    ...options.env,
    DATABASE_URL: databaseUrl,
  });
  const clock = new FixedClock(options.now ?? new Date());
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] })
    .overrideProvider(AppConfig)
    .useValue(config)
    .overrideProvider(Clock)
    .useValue(clock)
    .overrideProvider(LOG_DESTINATION)
    .useValue(options.logDestination ?? null)
    .compile();
  const app = await configureApp(
    moduleRef.createNestApplication<NestFastifyApplication>(createAdapter(config), {
      ...APP_OPTIONS,
      logger: ['error'],
    }),
    config,
  );
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  const db = TestDb.connect(databaseUrl);
  return {
    app,
    server: app.getHttpServer(),
    db,
    clock,
    config,
    async close() {
      await app.close();
      await db.close();
      await dropTestDatabase(databaseUrl);
    },
  };
}
