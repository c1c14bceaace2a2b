import { Global, Module } from '@nestjs/common';
import { AppConfig } from './app-config.ts';
import { validateEnv } from './env.schema.ts';

@Global()
@Module({
  providers: [{ provide: AppConfig, useFactory: () => validateEnv(process.env) }],
  exports: [AppConfig],
})
export class ConfigModule {}
