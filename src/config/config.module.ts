import { Global, Module } from '@nestjs/common';
import { AppConfig } from './app-config.js';
import { validateEnv } from './env.schema.js';

@Global()
@Module({
  providers: [{ provide: AppConfig, useFactory: () => validateEnv(process.env) }],
  exports: [AppConfig],
})
export class ConfigModule {}
