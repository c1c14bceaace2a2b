import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import type { Options } from 'pino-http';
import { AppConfig } from '../config/app-config.ts';

/** Where log lines go: stdout unless a test provides a stream to read them back. */
export const LOG_DESTINATION = Symbol('LOG_DESTINATION');

/**
 * The one pino pipeline of the service (nestjs-pino's pino-http): application lines, request lines
 * and lifecycle lines all come from it. Within a request every line carries `reqId`, Fastify's
 * request id (the client's `x-request-id` when sane, else a UUID; see app.setup.ts). pino-http's
 * own per-request lines are off: app.setup.ts logs refusals and failures, successes at debug.
 */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [AppConfig, LOG_DESTINATION],
      providers: [{ provide: LOG_DESTINATION, useValue: null }],
      useFactory: (config: AppConfig, destination: DestinationStream | null) => {
        const options: Options = {
          level: config.LOG_LEVEL,
          autoLogging: false,
          quietReqLogger: true,
          redact: ['req.headers.authorization', 'req.headers["x-api-key"]'],
        };
        return { pinoHttp: destination ? [options, destination] : options };
      },
    }),
  ],
})
export class LoggingModule {}
