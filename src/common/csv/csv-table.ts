/**
 * How an answer reads as CSV: the columns (the header row, in order) and one record per row, keyed
 * by column. Values are the answer's own (numbers in full precision, null as an empty field), so a
 * CSV holds the same numbers as the JSON it presents.
 */
export interface CsvTable<T> {
  readonly columns: readonly string[];
  /** The download's file name (safe characters only: device ids and ISO instants qualify). */
  filename(answer: T): string;
  rows(answer: T): Iterable<Record<string, unknown>>;
  /** Response headers that carry what the rows cannot (a keyset page's next cursor). */
  headers?(answer: T): Record<string, string>;
}

/** `2026-11-26T00:00:00.000Z` → `2026-11-26T000000Z`: an instant for a file name (no colons). */
export function fileStamp(instant: string): string {
  return instant.replace(/\.000Z$/, 'Z').replaceAll(':', '');
}
