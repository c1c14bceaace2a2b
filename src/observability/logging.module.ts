import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { AppConfig } from '../config/app-config.ts';

/**
 * Application logs (start-up, lifecycle, errors) as structured JSON through pino. Request logs
 * come from Fastify's own pino logger (see app.setup.ts), which stamps each with its request id.
 */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        pinoHttp: { level: config.LOG_LEVEL, autoLogging: false, quietReqLogger: true },
      }),
    }),
  ],
})
export class LoggingModule {}
