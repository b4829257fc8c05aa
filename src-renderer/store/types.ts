// Shapes shared by the store's slices: a loadable collection with its loading and error state.
export type LoadStatus = 'idle' | 'loading' | 'ready' | 'error';

export interface Loadable<T> {
  status: LoadStatus;
  items: T[];
  error?: string;
}

export const empty = <T>(): Loadable<T> => ({ status: 'idle', items: [] });

/** Insert or replace by id, keeping an order; the common case (a new newest row) is an append. */
export function upsert<T extends { id: string }>(items: T[], row: T, before?: (a: T, b: T) => boolean): T[] {
  const index = items.findIndex((item) => item.id === row.id);
  if (index >= 0) {
    const next = items.slice();
    next[index] = { ...items[index], ...row };
    return next;
  }
  if (!before) return [...items, row];
  const at = items.findIndex((item) => before(row, item));
  if (at < 0) return [...items, row];
  return [...items.slice(0, at), row, ...items.slice(at)];
}

export const remove = <T extends { id: string }>(items: T[], id: string): T[] =>
  items.filter((item) => item.id !== id);

export type Stamped = { id: string; updated_at?: unknown };

/** True when `row` is an older state of the same record than `than` (by updated_at). */
export function isOlder(row: Stamped, than: Stamped): boolean {
  if (typeof row.updated_at !== 'string' || typeof than.updated_at !== 'string') return false;
  return sortable(row.updated_at) < sortable(than.updated_at);
}

/** An ISO time whose fraction has nine digits, so text order is time order (".12Z" is not after ".123Z"). */
function sortable(iso: string): string {
  const match = /^(.*?T\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(iso);
  return match ? `${match[1]}.${(match[2] ?? '').padEnd(9, '0')}Z` : iso;
}

/** `loaded` (a fresh read) with any row that `live` holds in a newer state put in its place. */
export function fresher<T extends Stamped>(loaded: T[], live: T[]): T[] {
  if (live.length === 0) return loaded;
  const byId = new Map(live.map((row) => [row.id, row]));
  return loaded.map((row) => {
    const seen = byId.get(row.id);
    return seen && isOlder(row, seen) ? seen : row;
  });
}
