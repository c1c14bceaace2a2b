import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
  StreamableFile,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { stringify } from 'csv-stringify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import { map, type Observable } from 'rxjs';
import type { CsvTable } from './csv-table.ts';
import { CSV_MEDIA_TYPE, negotiatedFormat } from './response-format.ts';

export const CSV_TABLE = 'csvTable';

/**
 * For routes marked with @CsvExport: negotiates the format (`?format=` or `Accept`), writes it back
 * into the query (so that validation sees the format the answer will have: a CSV fleet export may
 * be larger than a JSON page), lets the handler compute its answer, and for CSV streams that answer's
 * rows through csv-stringify (header row, RFC 4180 quoting) instead of serialising it as JSON.
 * Errors keep the JSON error shape. Only read routes carry it: nothing on the ingestion path.
 */
@Injectable()
export class CsvExportInterceptor implements NestInterceptor {
  constructor(private readonly reflector: Reflector) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const table = this.reflector.get<CsvTable<unknown> | undefined>(CSV_TABLE, context.getHandler());
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest<{ Querystring: Record<string, unknown> }>>();
    const reply = http.getResponse<FastifyReply>();
    void reply.header('Vary', 'Accept');
    if (table === undefined) return next.handle();
    const format = negotiatedFormat(request.query.format, request.headers.accept);
    // A `format` that was sent is left as it is, for validation to refuse when it is neither json nor csv.
    request.query.format ??= format;
    if (format === 'json') return next.handle();
    return next.handle().pipe(map((answer) => csvFile(table, answer, reply)));
  }
}

function csvFile<T>(table: CsvTable<T>, answer: T, reply: FastifyReply): StreamableFile {
  const csv = stringify({
    header: true,
    columns: [...table.columns],
    cast: { boolean: (value) => String(value), date: (value) => value.toISOString() },
  });
  Readable.from(table.rows(answer)).pipe(csv);
  for (const [name, value] of Object.entries(table.headers?.(answer) ?? {})) void reply.header(name, value);
  return new StreamableFile(csv, {
    type: `${CSV_MEDIA_TYPE}; charset=utf-8`,
    disposition: `attachment; filename="${table.filename(answer)}"`,
  });
}
