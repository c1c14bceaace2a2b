import { Global, Logger, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AppConfig } from '../config/app-config.ts';
import { ApiKeyGuard } from './api-key.guard.ts';
import { ApiKeys } from './api-keys.ts';
import { FailedAuthLimiter } from './failed-auth.limiter.ts';

@Global()
@Module({
  providers: [
    {
      provide: ApiKeys,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => {
        const keys = ApiKeys.parse(config.API_KEYS);
        if (!keys.enabled) {
          new Logger('Auth').warn(
            'API_KEYS is not set: EVERY ROUTE IS OPEN. Development only; set API_KEYS anywhere else.',
          );
        }
        return keys;
      },
    },
    FailedAuthLimiter,
    { provide: APP_GUARD, useClass: ApiKeyGuard },
  ],
  exports: [ApiKeys, FailedAuthLimiter],
})
export class AuthModule {}
