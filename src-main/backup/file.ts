// Backup files on the desktop: written under a temporary name and renamed only once complete and flushed (a backup
// that fails leaves nothing under its final name), read back and checked end to end before anyone relies on them.
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { type BackupHeader, readContainer } from '../../agent-core/backup/container.ts';
import { tampered } from '../../agent-core/backup/errors.ts';
import { decodePages } from '../../agent-core/backup/records.ts';
import { Secret } from '../../agent-core/config/secret.ts';

/** Backups hold private conversations: owner-only, like the agent's own data directory. */
const FILE_MODE = 0o600;

/** Writes `chunks` to `path` atomically; resolves to the bytes written. */
export async function writeFileAtomically(
  path: string,
  chunks: AsyncIterable<Uint8Array>,
  onBytes?: (bytes: number) => void,
): Promise<number> {
  const temp = join(
    dirname(path),
    `.${basename(path)}.partial-${process.pid}-${randomBytes(4).toString('hex')}`,
  );
  const file = await open(temp, 'wx', FILE_MODE);
  let bytes = 0;
  try {
    for await (const chunk of chunks) {
      await file.write(chunk);
      bytes += chunk.byteLength;
      onBytes?.(bytes);
    }
    await file.sync();
    await file.close();
    await rename(temp, path);
  } catch (error) {
    await file.close().catch(() => {});
    await unlink(temp).catch(() => {});
    throw error;
  }
  const dir = await open(dirname(path), 'r');
  await dir.sync().finally(() => dir.close());
  return bytes;
}

export interface CheckedFile {
  header: BackupHeader;
  /** Rows per table as read from the file (equal to the header's counts, or the check failed). */
  counts: Record<string, number>;
  bytes: number;
}

/**
 * Reads a whole backup file (decrypting it with the passphrase when it is encrypted) and checks its integrity and
 * its counts. Nothing is restored from a file that has not passed this.
 */
export async function checkBackupFile(
  path: string,
  passphrase?: Secret,
  onRows?: (rows: number, total: number) => void,
): Promise<CheckedFile> {
  const { size } = await stat(path);
  const { header, payload } = await readContainer(createReadStream(path), {
    passphrase: () => passphrase,
  });
  const total = Object.values(header.counts).reduce((a, b) => a + b, 0);
  const counts: Record<string, number> = {};
  let rows = 0;
  for await (const page of decodePages(payload)) {
    counts[page.table] = (counts[page.table] ?? 0) + page.rows.length;
    rows += page.rows.length;
    onRows?.(rows, total);
  }
  for (const table of new Set([...Object.keys(counts), ...Object.keys(header.counts)]))
    if ((counts[table] ?? 0) !== (header.counts[table] ?? 0))
      throw tampered(
        `it holds ${counts[table] ?? 0} rows of ${table}, its header says ${header.counts[table] ?? 0}`,
      );
  return { header, counts: header.counts, bytes: size };
}

/** A passphrase from a file (its first line); refuses an empty or a short one. */
export async function readPassphraseFile(path: string): Promise<Secret> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new Error(
      `cannot read the passphrase file ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`,
    );
  }
  const first = text.split(/\r?\n/)[0] ?? '';
  if (first.length < 8)
    throw new Error(
      `the passphrase in ${path} is ${first ? 'shorter than 8 characters' : 'empty'}; use a longer one`,
    );
  return new Secret(first);
}
