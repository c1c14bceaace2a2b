/** A page of a list ordered by id; `nextCursor` is the last id of the page, null on the last page. */
export interface KeysetPage<T> {
  items: T[];
  /** Pass as `after` to get the next page; null on the last page. */
  nextCursor: string | null;
}

/**
 * The page from rows fetched with `limit + 1`: the extra row, when present, only says that another
 * page follows, and is not returned.
 */
export function toKeysetPage<T>(rows: T[], limit: number, idOf: (item: T) => string): KeysetPage<T> {
  const items = rows.slice(0, limit);
  return { items, nextCursor: rows.length > limit ? idOf(items[items.length - 1]!) : null };
}
