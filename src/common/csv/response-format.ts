import type { ApiPropertyOptions } from '@nestjs/swagger';

/** The formats an exportable answer comes in: the JSON document, or the same figures as CSV. */
export const RESPONSE_FORMATS = ['json', 'csv'] as const;
export type ResponseFormat = (typeof RESPONSE_FORMATS)[number];

export const CSV_MEDIA_TYPE = 'text/csv';

export const FORMAT_QUERY_SCHEMA: ApiPropertyOptions = {
  enum: RESPONSE_FORMATS,
  description: 'csv: the same figures as CSV with a header row (as `Accept: text/csv`); default json',
};

/**
 * The format a request asks for: `?format=` when given, else CSV when the Accept header names
 * `text/csv` with a weight at least that of `application/json` (and above 0), else JSON. A browser's
 * or curl's `*\/*` gets JSON.
 */
export function negotiatedFormat(format: unknown, accept: string | undefined): ResponseFormat {
  if (format === 'csv' || format === 'json') return format;
  if (accept === undefined) return 'json';
  const csv = weightOf(accept, CSV_MEDIA_TYPE);
  return csv > 0 && csv >= weightOf(accept, 'application/json') ? 'csv' : 'json';
}

/** The q of a media type named explicitly in an Accept header (0 when not named). */
function weightOf(accept: string, mediaType: string): number {
  let weight = 0;
  for (const range of accept.split(',')) {
    const [type, ...params] = range.split(';').map((part) => part.trim().toLowerCase());
    if (type !== mediaType) continue;
    const q = params.find((param) => param.startsWith('q='));
    const value = q === undefined ? 1 : Number(q.slice(2));
    weight = Math.max(weight, Number.isFinite(value) ? value : 0);
  }
  return weight;
}
