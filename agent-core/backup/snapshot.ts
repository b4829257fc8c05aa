// A consistent snapshot of the whole datastore while the agent keeps writing: one read transaction (the engine's
// snapshot isolation) that counts every table, then pages through it. Works on the agent's own connection, on a
// stopped agent's datastore opened directly, and through the db hub.
import type { Surreal, SurrealQueryable, SurrealTransaction } from 'surrealdb';
import { TABLE_NAME } from './container.ts';
import type { Page } from './records.ts';

/** The schema runner's own table: a backup records it in its header, and a restore rebuilds it. */
export const MIGRATION_TABLE = 'migration';
/** Rows per page: START/LIMIT paging inside the transaction measured fastest (record-id ranges scale worse). */
export const PAGE_ROWS = 1000;

export interface SnapshotInfo {
  counts: Record<string, number>;
  schema: { version: number; migrations: { name: string; checksum: string }[] };
  /** Rows in all tables together (progress). */
  rows: number;
}

export interface Snapshot {
  info: SnapshotInfo;
  /** Every row of every table, a page at a time, all from the same instant. */
  pages(pageRows?: number): AsyncGenerator<Page>;
  /** Ends the read transaction (also after a failure; safe to call twice). */
  close(): Promise<void>;
}

export async function openSnapshot(db: Surreal): Promise<Snapshot> {
  const txn = await db.beginTransaction();
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await txn.cancel().catch(() => {});
  };
  try {
    const info = await readInfo(txn);
    return {
      info,
      pages: (pageRows = PAGE_ROWS) => readPages(txn, Object.keys(info.counts), pageRows),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

async function readInfo(txn: SurrealTransaction): Promise<SnapshotInfo> {
  const [db] = await txn.query('INFO FOR DB').collect<[{ tables?: Record<string, unknown> }]>();
  const tables = Object.keys(db.tables ?? {})
    .filter((name) => name !== MIGRATION_TABLE)
    .sort();
  const odd = tables.find((name) => !TABLE_NAME.test(name));
  if (odd) throw new Error(`the datastore has a table MONO does not know how to back up: ${odd}`);
  const counts = await countRows(txn, tables);
  const migrations = MIGRATION_TABLE in (db.tables ?? {}) ? await readMigrations(txn) : [];
  const version = migrations.reduce((max, m) => Math.max(max, Number.parseInt(m.name, 10) || 0), 0);
  return {
    counts,
    schema: { version, migrations },
    rows: Object.values(counts).reduce((a, b) => a + b, 0),
  };
}

/** Rows per table, in one round trip. Table names must have been checked against TABLE_NAME. */
export async function countRows(db: SurrealQueryable, tables: string[]): Promise<Record<string, number>> {
  if (!tables.length) return {};
  const results = await db
    .query(tables.map((t) => `(SELECT count() FROM \`${t}\` GROUP ALL)[0].count ?? 0;`).join('\n'))
    .collect<number[]>();
  return Object.fromEntries(tables.map((t, i) => [t, Number(results[i] ?? 0)]));
}

async function readMigrations(txn: SurrealTransaction): Promise<{ name: string; checksum: string }[]> {
  const [rows] = await txn
    .query(`SELECT name, checksum FROM ${MIGRATION_TABLE} ORDER BY name`)
    .collect<[{ name: string; checksum: string }[]]>();
  return rows.map((row) => ({ name: row.name, checksum: row.checksum }));
}

async function* readPages(txn: SurrealTransaction, tables: string[], pageRows: number): AsyncGenerator<Page> {
  for (const table of tables) {
    for (let start = 0; ; start += pageRows) {
      const [rows] = await txn
        .query(`SELECT * FROM \`${table}\` LIMIT $limit START $start`, { limit: pageRows, start })
        .collect<[Record<string, unknown>[]]>();
      if (rows.length) yield { table, rows };
      if (rows.length < pageRows) break;
    }
  }
}
