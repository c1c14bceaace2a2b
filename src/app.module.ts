import { Module, ValidationPipe } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { AnalyticsModule } from './analytics/analytics.module.js';
import { CommonModule } from './common/common.module.js';
import { HttpErrorFilter } from './common/errors/http-error.filter.js';
import { RequestValidationError } from './common/errors/request-validation.error.js';
import { VALIDATION_OPTIONS } from './common/validation/validation-options.js';
import { ConfigModule } from './config/config.module.js';
import { DatabaseModule } from './database/database.module.js';
import { HealthModule } from './health/health.module.js';
import { LinksModule } from './links/links.module.js';
import { TelemetryModule } from './telemetry/telemetry.module.js';

@Module({
  imports: [ConfigModule, CommonModule, DatabaseModule, TelemetryModule, LinksModule, AnalyticsModule, HealthModule],
  providers: [
    { provide: APP_FILTER, useClass: HttpErrorFilter },
    {
      provide: APP_PIPE,
      useFactory: () =>
        new ValidationPipe({
          ...VALIDATION_OPTIONS,
          transform: true,
          exceptionFactory: (errors) => RequestValidationError.fromValidationErrors(errors),
        }),
    },
  ],
})
export class AppModule {}
