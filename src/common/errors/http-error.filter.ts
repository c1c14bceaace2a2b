import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isDatabaseUnavailable } from './database-unavailable.ts';
import { DomainError, type DomainErrorCode } from './domain-error.ts';
import { ErrorBody, errorBody } from './error-body.ts';
import { rememberErrorCode, statusCode } from './error-code.ts';
import { RequestValidationError } from './request-validation.error.ts';

const STATUS: Record<DomainErrorCode, number> = {
  LINK_NOT_FOUND: 404,
  LINK_CONFLICT: 409,
  INVALID_LINK: 400,
  METER_NOT_FOUND: 404,
  DEVICE_NOT_FOUND: 404,
  INVALID_WINDOW: 400,
  WRITER_OVERLOADED: 503,
  WRITE_FAILED: 503,
  READING_OUT_OF_RANGE: 400,
  WRITER_CLOSING: 503,
  DEVICE_NOT_REGISTERED: 404,
  DEVICE_MODE_CONFLICT: 409,
};

const UNSUPPORTED_MEDIA_TYPE = 'Unsupported content type: send application/json';

/** Errors raised by Fastify or its plugins before Nest sees the request (body parsing, content type, size, rate limit). */
interface FastifyClientError {
  code?: string;
  statusCode: number;
  message: string;
}

/**
 * Every error leaves as one JSON shape. Domain errors map by code, HttpExceptions keep their
 * status, Fastify's own 4xx errors keep theirs, anything else is logged and answered as a bare 500.
 */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger(HttpErrorFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const { status, body, retryAfter, code } = this.toResponse(exception);
    rememberErrorCode(host.switchToHttp().getRequest<FastifyRequest>(), code);
    // The reason in full, for whoever turns debug on; the request's warn line has the code.
    if (status < 500) this.logger.debug({ code, message: body.message, fields: body.details?.map((d) => d.field) });
    if (retryAfter !== undefined) void reply.header('Retry-After', String(retryAfter));
    void reply.status(status).type('application/json; charset=utf-8').send(body);
  }

  private toResponse(exception: unknown): ErrorResponse {
    if (exception instanceof DomainError) {
      const status = STATUS[exception.code];
      return {
        status,
        body: errorBody(status, exception.message, exception.details),
        retryAfter: exception.retryAfterSeconds,
        code: exception.code,
      };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const code = exception instanceof RequestValidationError ? 'VALIDATION_FAILED' : statusCode(status);
      return { status, body: fromHttpException(exception), code };
    }
    if (isFastifyClientError(exception)) {
      const status = exception.statusCode;
      return { status, body: errorBody(status, fastifyMessage(exception)), code: exception.code ?? statusCode(status) };
    }
    if (isDatabaseUnavailable(exception)) {
      this.logger.warn(`Database unavailable: ${exception instanceof Error ? exception.message : String(exception)}`);
      return {
        status: 503,
        body: errorBody(503, 'The database is unavailable; retry shortly'),
        retryAfter: 2,
        code: 'DATABASE_UNAVAILABLE',
      };
    }
    this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    return { status: 500, body: errorBody(500, 'Internal server error'), code: 'INTERNAL_ERROR' };
  }
}

interface ErrorResponse {
  status: number;
  body: ErrorBody;
  retryAfter?: number;
  /** For the request's log line (see error-code.ts). */
  code: string;
}

function fromHttpException(exception: HttpException): ErrorBody {
  const status = exception.getStatus();
  const response = exception.getResponse();
  if (status === 415) return errorBody(status, UNSUPPORTED_MEDIA_TYPE); // Nest's wrapping of Fastify's error
  if (typeof response === 'string') return errorBody(status, response);
  const { message, details } = response as { message?: unknown; details?: ErrorBody['details'] };
  const text = Array.isArray(message) ? message.join('; ') : typeof message === 'string' ? message : exception.message;
  return errorBody(status, text, details);
}

function isFastifyClientError(error: unknown): error is FastifyClientError {
  if (typeof error !== 'object' || error === null) return false;
  const { statusCode } = error as Partial<FastifyClientError>;
  return error instanceof Error && typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500;
}

const FASTIFY_MESSAGES: Record<string, string> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: UNSUPPORTED_MEDIA_TYPE,
  FST_ERR_CTP_BODY_TOO_LARGE: 'Request body is larger than the configured limit',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'Request body is empty: send a JSON document',
};

function fastifyMessage(error: FastifyClientError): string {
  return (error.code && FASTIFY_MESSAGES[error.code]) ?? error.message;
}
