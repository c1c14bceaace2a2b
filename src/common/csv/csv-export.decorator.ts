import { applyDecorators, SetMetadata, UseInterceptors } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, getSchemaPath } from '@nestjs/swagger';
import { CSV_TABLE, CsvExportInterceptor } from './csv-export.interceptor.ts';
import type { CsvTable } from './csv-table.ts';
import { CSV_MEDIA_TYPE } from './response-format.ts';

/**
 * The route's 200 answer as JSON (`type`) or, with `?format=csv` or `Accept: text/csv`, as CSV with
 * the table's columns (a header row first): both media types documented under the one 200 answer.
 */
export const CsvExport = <T>(table: CsvTable<T>, type: new () => T): MethodDecorator =>
  applyDecorators(
    SetMetadata(CSV_TABLE, table),
    UseInterceptors(CsvExportInterceptor),
    ApiExtraModels(type),
    ApiOkResponse({
      description: `JSON; with \`?format=csv\` or \`Accept: ${CSV_MEDIA_TYPE}\` the same figures as CSV (streamed, header row first)`,
      content: {
        'application/json': { schema: { $ref: getSchemaPath(type) } },
        [CSV_MEDIA_TYPE]: {
          schema: { type: 'string', description: `Columns: ${table.columns.join(', ')}` },
          example: `${table.columns.join(',')}\n`,
        },
      },
    }),
  );
