// Retention for the files the agent keeps beside its datastore (downloaded media, backups): older than the
// retention period, or beyond their share of the disk, the oldest go first. Run at start, every few hours, and
// when the disk gets low, so these files never fill the disk on their own.
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../log/logger.ts';

/** Folders of the data directory under retention: whatever a feature keeps there is pruned by these rules. */
export const RETAINED_DIRS = ['media', 'backups'] as const;

export interface RetentionRules {
  /** Files older than this go. */
  maxAgeMs: number;
  /** The folders together keep at most this much; the oldest files go first. */
  maxBytes: number;
}

/** 30 days, and at most 10 % of the disk (never more than 1 GB): a 10 GB VPS keeps 1 GB, a 2 GB one 200 MB. */
export function retentionRules(diskBytes: number, days = 30): RetentionRules {
  return { maxAgeMs: days * 86_400_000, maxBytes: Math.min(1024 ** 3, Math.round(diskBytes * 0.1)) };
}

interface Entry {
  path: string;
  size: number;
  mtime: number;
}

/** Removes what the rules do not keep; resolves to what went (count, bytes). Missing folders are fine. */
export async function prune(
  dirs: readonly string[],
  rules: RetentionRules,
  now = Date.now(),
): Promise<{ files: number; bytes: number }> {
  const entries = (await Promise.all(dirs.map(listFiles))).flat().sort((a, b) => b.mtime - a.mtime);
  let kept = 0;
  const gone: Entry[] = [];
  for (const entry of entries) {
    if (now - entry.mtime > rules.maxAgeMs || kept + entry.size > rules.maxBytes) gone.push(entry);
    else kept += entry.size;
  }
  await Promise.all(gone.map((entry) => rm(entry.path, { force: true })));
  return { files: gone.length, bytes: gone.reduce((sum, entry) => sum + entry.size, 0) };
}

async function listFiles(dir: string): Promise<Entry[]> {
  let names: string[];
  try {
    names = (await readdir(dir, { recursive: true })) as string[];
  } catch {
    return [];
  }
  const entries = await Promise.all(
    names.map(async (name) => {
      const path = join(dir, name);
      const info = await stat(path).catch(() => undefined);
      return info?.isFile() ? { path, size: info.size, mtime: info.mtimeMs } : undefined;
    }),
  );
  return entries.filter((entry): entry is Entry => entry !== undefined);
}

/** Prunes the data directory's retained folders now and then (and on demand: the disk got low). */
export class Retention {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;

  constructor(
    private readonly dataDir: string,
    private readonly rules: () => RetentionRules,
    private readonly log: Logger,
    private readonly everyMs = 6 * 3_600_000,
  ) {}

  start(): void {
    void this.run();
    this.#timer = setInterval(() => void this.run(), this.everyMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  run(): Promise<void> {
    this.#running ??= prune(
      RETAINED_DIRS.map((dir) => join(this.dataDir, dir)),
      this.rules(),
    )
      .then(({ files, bytes }) => {
        if (files > 0) this.log.info({ files, bytes }, 'old media and backups removed');
      })
      .catch((error) => this.log.warn({ err: error }, 'could not prune old files'))
      .finally(() => {
        this.#running = undefined;
      });
    return this.#running;
  }
}
