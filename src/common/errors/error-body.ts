import { STATUS_CODES } from 'node:http';

export interface FieldProblem {
  /** Path of the offending field; `[3].voltage` inside a batch. */
  field: string;
  errors: string[];
}

/** The one JSON shape of every error this service answers with. */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
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
