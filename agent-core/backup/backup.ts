// A backup file as a stream, from a consistent snapshot of a datastore: what `mono-agent backup`, `mono backup`
// and the desktop write.
import type { Surreal } from 'surrealdb';
import type { Secret } from '../config/secret.ts';
import { VERSION } from '../version.ts';
import { type HeaderFields, writeContainer } from './container.ts';
import { encodePages, type Page } from './records.ts';
import { heldData } from './restore.ts';
import { openSnapshot, type SnapshotInfo } from './snapshot.ts';

export interface BackupStreamOptions {
  /** True when the agent runs (its in-flight work may finish after the snapshot). */
  live: boolean;
  source?: string;
  passphrase?: Secret;
  /** Rows read so far, of `total`. */
  onRows?: (rows: number, total: number) => void;
  now?: () => Date;
}

export interface BackupStream {
  info: SnapshotInfo;
  header: HeaderFields;
  /** The file's bytes; the read transaction ends when they end or fail. */
  bytes: AsyncGenerator<Buffer>;
  /** Ends the read transaction when the bytes were abandoned (safe to call in any case). */
  close(): Promise<void>;
}

export async function backupStream(db: Surreal, o: BackupStreamOptions): Promise<BackupStream> {
  const snapshot = await openSnapshot(db);
  const { info } = snapshot;
  const header: HeaderFields = {
    created_at: (o.now?.() ?? new Date()).toISOString(),
    agent_version: VERSION,
    schema: info.schema,
    live: o.live,
    ...(o.source ? { source: o.source } : {}),
    counts: info.counts,
    compression: 'br',
  };
  async function* pages(): AsyncGenerator<Page> {
    let rows = 0;
    o.onRows?.(0, info.rows);
    for await (const page of snapshot.pages()) {
      rows += page.rows.length;
      yield page;
      o.onRows?.(rows, info.rows);
    }
  }
  async function* bytes(): AsyncGenerator<Buffer> {
    try {
      yield* writeContainer(header, encodePages(pages()), o.passphrase ? { passphrase: o.passphrase } : {});
    } finally {
      await snapshot.close();
    }
  }
  return { info, header, bytes: bytes(), close: () => snapshot.close() };
}

export interface BackupSummary {
  live: boolean;
  agent_version: string;
  counts: Record<string, number>;
  schema: SnapshotInfo['schema'];
  /** The owner's data among the counts (what a restore would replace); empty for a fresh agent. */
  holds: Record<string, number>;
}

/** What a datastore holds, without reading its rows (a restore's check of its target, and its final count). */
export async function backupSummary(db: Surreal, live: boolean): Promise<BackupSummary> {
  const snapshot = await openSnapshot(db);
  await snapshot.close();
  const { counts, schema } = snapshot.info;
  return { live, agent_version: VERSION, counts, schema, holds: heldData(counts) };
}
