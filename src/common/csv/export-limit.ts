import { ValidateBy } from 'class-validator';
import type { ResponseFormat } from './response-format.ts';

/**
 * A `limit` of at most `pageMax` for a JSON page and `exportMax` for a CSV export (one file, streamed),
 * judged by the object's `format`: the negotiated one, which CsvExportInterceptor writes into the
 * query before validation. For a query class with a `format` property.
 */
export function IsExportLimit(pageMax: number, exportMax: number): PropertyDecorator {
  const max = (object: unknown): number =>
    (object as { format?: ResponseFormat } | undefined)?.format === 'csv' ? exportMax : pageMax;
  return ValidateBy({
    name: 'isExportLimit',
    validator: {
      validate: (value: unknown, args) => typeof value === 'number' && value <= max(args?.object),
      defaultMessage: (args) => `$property must not be greater than ${max(args?.object)}`,
    },
  });
}
