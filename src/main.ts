import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module.ts';
import { APP_OPTIONS, configureApp, createAdapter } from './app.setup.ts';
import { AppConfig } from './config/app-config.ts';
import { validateEnv } from './config/env.schema.ts';

async function bootstrap(): Promise<void> {
  const env = validateEnv(process.env);
  const app = await configureApp(
    await NestFactory.create<NestFastifyApplication>(AppModule, createAdapter(env), APP_OPTIONS),
    env,
  );
  const config = app.get(AppConfig);
  await app.listen({ port: config.PORT, host: config.HOST });
  Logger.log(`Listening on ${await app.getUrl()}`, 'Bootstrap');
}

void bootstrap();
