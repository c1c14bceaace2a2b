import { STATUS_CODES } from 'node:http';

/**
 * The code of the error a request was answered with (`LINK_NOT_FOUND`, `VALIDATION_FAILED`,
 * `FST_ERR_CTP_BODY_TOO_LARGE`, …), kept beside the request for its log line, never in the body.
 */
const CODES = new WeakMap<object, string>();

export function rememberErrorCode(request: object, code: string): void {
  CODES.set(request, code);
}

export function errorCodeOf(request: object): string | undefined {
  return CODES.get(request);
}

/** `NOT_FOUND` for 404, `TOO_MANY_REQUESTS` for 429: for errors that carry no code of their own. */
export function statusCode(status: number): string {
  return (STATUS_CODES[status] ?? 'ERROR').toUpperCase().replace(/[^A-Z0-9]+/g, '_');
}
