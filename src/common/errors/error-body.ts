import { STATUS_CODES } from 'node:http';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class FieldProblem {
  /** Path of the offending field; `[3].voltage` inside a batch. */
  @ApiProperty({ example: '[3].voltage', description: 'The field at fault; in a batch, prefixed by the index' })
  field!: string;
  @ApiProperty({ type: [String], example: ['voltage must be a positive number'] })
  errors!: string[];
}

/** The one JSON shape of every error this service answers with (also its OpenAPI schema). */
export class ErrorBody {
  @ApiProperty({ type: 'integer', example: 400, description: 'The HTTP status' })
  statusCode!: number;
  @ApiProperty({ example: 'Bad Request', description: 'The status text' })
  error!: string;
  @ApiProperty({ example: 'Validation failed: voltage must be a positive number' })
  message!: string;
  @ApiPropertyOptional({ type: [FieldProblem], description: 'On validation errors: each bad field' })
  details?: FieldProblem[];
}

export function errorBody(statusCode: number, message: string, details?: FieldProblem[]): ErrorBody {
  return {
    statusCode,
    error: STATUS_CODES[statusCode] ?? 'Error',
    message,
    ...(details && details.length > 0 ? { details } : {}),
  };
}
