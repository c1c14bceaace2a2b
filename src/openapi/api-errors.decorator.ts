import { applyDecorators } from '@nestjs/common';
import { ApiQuery, ApiResponse } from '@nestjs/swagger';
import { ErrorBody } from '../common/errors/error-body.ts';

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid input: `details` names each bad field (in a batch, with its index)',
  401: 'No valid API key',
  403: 'The API key has another role',
  404: 'Not found',
  409: 'Conflicts with recorded state (see the message)',
  413: 'Body or batch larger than the configured limit',
  415: 'Content type other than application/json',
  429: 'Rate limit exceeded (see Retry-After)',
  503: 'Database unavailable or write queue full: nothing stored, retry after Retry-After',
};

/** The error answers of a route, all in the one error shape. */
export const ApiErrors = (...statuses: number[]): MethodDecorator =>
  applyDecorators(
    ...statuses.map((status) => ApiResponse({ status, description: DESCRIPTIONS[status], type: ErrorBody })),
  );

/** The query parameters of a keyset-paginated list (`limit`, `after`), plus any filters. */
export const ApiKeysetPage = (...filters: Array<Parameters<typeof ApiQuery>[0]>): MethodDecorator =>
  applyDecorators(
    ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } }),
    ApiQuery({ name: 'after', required: false, description: 'nextCursor of the previous page' }),
    ...filters.map((filter) => ApiQuery(filter)),
  );
