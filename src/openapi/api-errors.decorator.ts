import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { ERROR_BODY } from './openapi.schemas.ts';

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid input: `details` names each bad field (in a batch, with its index)',
  401: 'No valid API key',
  403: 'The API key has another role',
  404: 'Not found',
  413: 'Body or batch larger than the configured limit',
  415: 'Content type other than application/json',
  429: 'Rate limit exceeded (see Retry-After)',
  503: 'Database unavailable or write queue full: nothing stored, retry after Retry-After',
};

/** The error answers of a route, all in the one error shape. */
export const ApiErrors = (...statuses: number[]): MethodDecorator =>
  applyDecorators(
    ...statuses.map((status) => ApiResponse({ status, description: DESCRIPTIONS[status], schema: ERROR_BODY })),
  );
