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
}
