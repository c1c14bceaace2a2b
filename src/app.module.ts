import { Module, ValidationPipe } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { AnalyticsModule } from './analytics/analytics.module.ts';
import { AuthModule } from './auth/auth.module.ts';
import { CommonModule } from './common/common.module.ts';
import { HttpErrorFilter } from './common/errors/http-error.filter.ts';
import { RequestValidationError } from './common/errors/request-validation.error.ts';
import { VALIDATION_OPTIONS } from './common/validation/validation-options.ts';
import { ConfigModule } from './config/config.module.ts';
import { DatabaseModule } from './database/database.module.ts';
import { DevicesModule } from './devices/devices.module.ts';
import { HealthModule } from './health/health.module.ts';
import { LinksModule } from './links/links.module.ts';
import { LiveModule } from './live/live.module.ts';
import { LoggingModule } from './observability/logging.module.ts';
import { ObservabilityModule } from './observability/observability.module.ts';
import { TelemetryModule } from './telemetry/telemetry.module.ts';

@Module({
  imports: [
    ConfigModule,
    LoggingModule,
    ObservabilityModule,
    CommonModule,
    AuthModule,
    DatabaseModule,
    DevicesModule,
    TelemetryModule,
    LinksModule,
    AnalyticsModule,
    LiveModule,
    HealthModule,
  ],
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
