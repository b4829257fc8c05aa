// How long files are kept: the setting `media_retention_days` (default 30, editable live from the desktop).
// Once a file is older, it is deleted from the data directory and its message says so (`expired`); the
// conversation keeps its text, transcripts and a description of the file. Swept at start and every hour.
import { RecordId, type Surreal } from 'surrealdb';
import type { Logger } from '../log/logger.ts';
import { MAIL_FILE_PREFIX, type MediaFiles } from './files.ts';
import { markExpired } from './media-store.ts';

export const RETENTION_SETTING = 'media_retention_days';
export const DEFAULT_RETENTION_DAYS = 30;
const SWEEP_EVERY_MS = 3600_000;

/** The retention period in days from a setting value (a positive number or numeric string), else the default. */
export function retentionDays(value: unknown): number {
  const days = typeof value === 'string' ? Number(value) : value;
  return typeof days === 'number' && Number.isFinite(days) && days > 0 ? days : DEFAULT_RETENTION_DAYS;
}

export class MediaRetention {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<number> | undefined;

  constructor(private readonly deps: { db: Surreal; files: MediaFiles; log: Logger; days: () => number }) {}

  start(): void {
    void this.sweep();
    this.#timer = setInterval(() => void this.sweep(), SWEEP_EVERY_MS);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#running?.catch(() => {});
  }

  /** Deletes files past the retention period; resolves to how many. One sweep at a time. */
  sweep(now = new Date()): Promise<number> {
    this.#running ??= this.#sweep(now).finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #sweep(now: Date): Promise<number> {
    const cutoff = new Date(now.getTime() - this.deps.days() * 86_400_000);
    const names = await this.deps.files.olderThan(cutoff);
    const byMessage = new Map<string, number[]>();
    for (const name of names) {
      const match = /^(.+)-(\d+)\.[a-z0-9]+$/.exec(name);
      // A mail's files are only deleted: the mail row keeps their names, and reading it shows what is left.
      if (!match || match[1]!.startsWith(MAIL_FILE_PREFIX)) continue;
      byMessage.set(match[1]!, [...(byMessage.get(match[1]!) ?? []), Number(match[2])]);
    }
    let removed = 0;
    try {
      // The message row first: a file is never listed as kept after it is gone (a crash in between only
      // leaves a file the next sweep removes).
      for (const [key, indexes] of byMessage)
        await markExpired(this.deps.db, new RecordId('message', key), indexes);
      for (const name of names) {
        await this.deps.files.remove(name);
        removed++;
      }
      if (removed > 0)
        this.deps.log.info({ removed, days: this.deps.days() }, 'old files removed (retention)');
    } catch (error) {
      this.deps.log.warn({ err: error }, 'media retention sweep failed; it runs again in an hour');
    }
    return removed;
  }
}
