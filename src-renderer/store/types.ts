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
