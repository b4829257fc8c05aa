// Restores a backup into an agent's data directory while the agent is stopped: builds a new datastore beside the
// current one (the backup's schema, its rows, then the newer migrations), checks it, and only then swaps it in,
// keeping the replaced datastore beside it until the next successful restore. Any failure before the swap leaves
// the current data exactly as it was.
import { existsSync, readdirSync, renameSync, rmSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import type { Surreal } from 'surrealdb';
import type { Secret } from '../config/secret.ts';
import { DATASTORE_DIR, openDatastore } from '../db/datastore.ts';
import type { Datastore } from '../db/datastore-types.ts';
import { DatastoreLockedError } from '../db/errors.ts';
import { applySchema, readSchemaFiles, schemaDir } from '../db/schema.ts';
import type { Logger } from '../log/logger.ts';
import { errorMessage } from '../util/error-message.ts';
import { type BackupHeader, readContainer, TABLE_NAME } from './container.ts';
import {
  AgentRunningError,
  BackupFileError,
  RestoreDiskError,
  RestoreRefusedError,
  tampered,
} from './errors.ts';
import { syncTree } from './fs-sync.ts';
import { closeInterruptedWork } from './interrupted.ts';
import { decodePages } from './records.ts';
import { countRows, MIGRATION_TABLE } from './snapshot.ts';

/** State the agent rewrites at every start: its presence does not make a datastore "hold data". */
const RUNTIME_TABLES = new Set([MIGRATION_TABLE, 'agent_status', 'whatsapp_link']);
/** Free space kept while restoring: the engine aborts the process when the disk fills up. */
const MIN_FREE_BYTES = 64 * 1024 * 1024;
const STAGING = `${DATASTORE_DIR}.restoring-`;
const REPLACED = `${DATASTORE_DIR}.replaced-`;

export type RestoreProgress =
  | { phase: 'checked'; header: BackupHeader; existing: Record<string, number> }
  | { phase: 'rows'; rows: number; total: number }
  | { phase: 'migrated'; from: number; to: number; applied: string[] };

export interface StageOptions {
  dataDir: string;
  /** Where to build the new datastore (see stagingDir). */
  staging: string;
  /** The backup file's bytes. */
  input: AsyncIterable<Uint8Array>;
  passphrase?: () => Secret | undefined | Promise<Secret | undefined>;
  /** Replace a datastore that holds data (else refuse). */
  replace: boolean;
  log: Logger;
  onProgress?: (progress: RestoreProgress) => void;
  schemaDir?: string;
}

export interface StagedRestore {
  header: BackupHeader;
  /** Rows per table in the new datastore, counted after the restore. */
  counts: Record<string, number>;
  migrated?: { from: number; to: number; applied: string[] };
  /** Work in flight at the snapshot that was closed instead of redone (live backups only). */
  interrupted: Record<string, number>;
  /** The current datastore holds the owner's data: it is kept beside the new one (else simply removed). */
  replacing: boolean;
}

/** A fresh staging path in the data directory; staging left by an earlier, failed restore is removed. */
export function stagingDir(dataDir: string, now: Date = new Date()): string {
  for (const name of readdirSync(dataDir).filter((n) => n.startsWith(STAGING)))
    rmSync(join(dataDir, name), { recursive: true, force: true });
  return join(dataDir, `${STAGING}${now.toISOString().replace(/[-:.]/g, '')}`);
}

/**
 * Builds the restored datastore in `staging` and checks it; the current datastore is only read. Run it in a process
 * that exits before finishRestore: the engine goes on writing its files for a moment after close(), and after any
 * DEFINE INDEX it lets go of them only when its process ends.
 */
export async function stageRestore(options: StageOptions): Promise<StagedRestore> {
  const dir = options.schemaDir ?? schemaDir();
  const { header, payload } = await readContainer(options.input, { passphrase: options.passphrase });
  const known = new Set(readSchemaFiles(dir).map((file) => file.name));
  const unknown = header.schema.migrations.filter((m) => !known.has(m.name)).map((m) => m.name);
  if (unknown.length)
    throw new BackupFileError(
      'newer-schema',
      `this backup comes from a newer MONO (schema ${header.schema.version}; this agent does not know ${unknown.join(', ')})`,
    );

  const current = join(options.dataDir, DATASTORE_DIR);
  const existing = existsSync(current) ? await countExisting(current, options) : {};
  const held = heldData(existing);
  if (Object.keys(held).length && !options.replace) throw new RestoreRefusedError(held);
  options.onProgress?.({ phase: 'checked', header, existing });

  const datastore = await openDatastore({ url: `surrealkv://${options.staging}`, log: options.log });
  try {
    const { db } = datastore;
    await applySchema(db, options.log, dir, new Set(header.schema.migrations.map((m) => m.name)));
    const inserted = await insertPages(db, decodePages(payload), header, options);
    for (const [table, n] of Object.entries(header.counts))
      if ((inserted[table] ?? 0) !== n)
        throw tampered(`it holds ${inserted[table] ?? 0} rows of ${table}, its header says ${n}`);
    const applied = (await applySchema(db, options.log, dir)).applied;
    const to = readSchemaFiles(dir).reduce((max, f) => Math.max(max, Number.parseInt(f.name, 10)), 0);
    const migrated = applied.length ? { from: header.schema.version, to, applied } : undefined;
    if (migrated) options.onProgress?.({ phase: 'migrated', ...migrated });
    const interrupted = header.live
      ? await closeInterruptedWork(db, new Set(Object.keys(header.counts)))
      : {};
    const counts = await countRows(db, Object.keys(header.counts));
    for (const [table, n] of Object.entries(header.counts))
      if (counts[table] !== n)
        throw new Error(`the restored datastore holds ${counts[table]} rows of ${table}, not ${n}`);
    return {
      header,
      counts,
      ...(migrated ? { migrated } : {}),
      interrupted,
      replacing: Object.keys(held).length > 0,
    };
  } finally {
    await datastore.close().catch(() => {});
  }
}

/**
 * Swaps a staged datastore in (its process has exited): current → db.replaced-<time>, staging → current, then the
 * copy an earlier restore kept is removed (with `keep` false, the one just replaced too). Two renames in one
 * directory: the moment without a datastore lasts microseconds, and both copies stay whole on disk. Returns where
 * the replaced datastore is kept.
 */
export function finishRestore(dataDir: string, staging: string, keep = true): string | undefined {
  syncTree(staging);
  const current = join(dataDir, DATASTORE_DIR);
  const earlier = readdirSync(dataDir).filter((name) => name.startsWith(REPLACED));
  let replaced: string | undefined;
  if (existsSync(current)) {
    replaced = join(dataDir, `${REPLACED}${staging.slice(staging.lastIndexOf(STAGING) + STAGING.length)}`);
    renameSync(current, replaced);
  }
  renameSync(staging, current);
  syncTree(dataDir, { shallow: true });
  for (const name of earlier) rmSync(join(dataDir, name), { recursive: true, force: true });
  if (replaced && !keep) {
    // A fresh agent's datastore (its own status rows, no data of the owner's): nothing worth keeping.
    rmSync(replaced, { recursive: true, force: true });
    return undefined;
  }
  return replaced;
}

/** The owner's data among per-table counts (what a restore would replace); empty for a fresh agent. */
export function heldData(counts: Record<string, number>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(counts).filter(([table, n]) => n > 0 && !RUNTIME_TABLES.has(table)),
  );
}

async function countExisting(path: string, options: StageOptions): Promise<Record<string, number>> {
  let datastore: Datastore;
  try {
    datastore = await openDatastore({ url: `surrealkv://${path}`, log: options.log, openTimeoutMs: 15_000 });
  } catch (error) {
    if (error instanceof DatastoreLockedError) throw new AgentRunningError(options.dataDir);
    if (options.replace) return {};
    throw new Error(
      `the current datastore in ${path} cannot be read (${errorMessage(error)}); run again with --replace to replace it`,
      { cause: error },
    );
  }
  try {
    const [info] = await datastore.db.query('INFO FOR DB').collect<[{ tables?: Record<string, unknown> }]>();
    return await countRows(
      datastore.db,
      Object.keys(info.tables ?? {}).filter((t) => TABLE_NAME.test(t)),
    );
  } finally {
    await datastore.close();
  }
}

async function insertPages(
  db: Surreal,
  pages: AsyncIterable<{ table: string; rows: Record<string, unknown>[] }>,
  header: BackupHeader,
  options: StageOptions,
): Promise<Record<string, number>> {
  const total = Object.values(header.counts).reduce((a, b) => a + b, 0);
  const inserted: Record<string, number> = {};
  let rows = 0;
  for await (const page of pages) {
    if (!TABLE_NAME.test(page.table) || page.table === MIGRATION_TABLE || !(page.table in header.counts))
      throw tampered(`it holds rows of a table its header does not list (${page.table.slice(0, 64)})`);
    const free = freeBytes(options.dataDir);
    if (free < MIN_FREE_BYTES) throw new RestoreDiskError(options.dataDir, free);
    await db.query(`INSERT INTO \`${page.table}\` $rows RETURN NONE`, { rows: page.rows }).collect();
    inserted[page.table] = (inserted[page.table] ?? 0) + page.rows.length;
    rows += page.rows.length;
    options.onProgress?.({ phase: 'rows', rows, total });
  }
  return inserted;
}

function freeBytes(dir: string): number {
  const stats = statfsSync(dir);
  return stats.bavail * stats.bsize;
}
