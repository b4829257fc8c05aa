// How long files are kept: the setting `media_retention_days` (default 30, edited live from the desktop's
// Integrations screen). Once a file is older, it is deleted from the data directory and its message says so
// (`expired`); the conversation keeps its text, transcripts and a description of the file. Swept at start, every
// hour, and at once when the setting changes (a shorter period frees the disk now, as the owner expects).
import { RecordId, type Surreal } from 'surrealdb';
import type { Settings } from '../agent/settings.ts';
import { RETENTION_SETTING, retentionDays } from '../contract/media-retention.ts';
import type { Logger } from '../log/logger.ts';
import { MAIL_FILE_PREFIX, type MediaFiles } from './files.ts';
import { markExpired } from './media-store.ts';

const SWEEP_EVERY_MS = 3600_000;

export class MediaRetention {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<number> | undefined;
  #again = false;
  #unwatch: (() => void) | undefined;

  constructor(
    private readonly deps: {
      db: Surreal;
      files: MediaFiles;
      log: Logger;
      settings: Pick<Settings, 'get' | 'watch'>;
    },
  ) {}

  /** The period in force now: the setting as it is at this moment. */
  days(): number {
    return retentionDays(this.deps.settings.get(RETENTION_SETTING));
  }

  start(): void {
    void this.sweep();
    this.#timer = setInterval(() => void this.sweep(), SWEEP_EVERY_MS);
    this.#timer.unref();
    this.#unwatch = this.deps.settings.watch(RETENTION_SETTING, () => {
      // A sweep under way used the old period: one more runs right after it.
      if (this.#running) this.#again = true;
      else void this.sweep();
    });
  }

  async stop(): Promise<void> {
    this.#unwatch?.();
    clearInterval(this.#timer);
    this.#again = false;
    await this.#running?.catch(() => {});
  }

  /** Deletes files past the retention period; resolves to how many. One sweep at a time. */
  sweep(now = new Date()): Promise<number> {
    this.#running ??= this.#sweep(now).finally(() => {
      this.#running = undefined;
      if (this.#again) {
        this.#again = false;
        void this.sweep();
      }
    });
    return this.#running;
  }

  async #sweep(now: Date): Promise<number> {
    const days = this.days();
    const cutoff = new Date(now.getTime() - days * 86_400_000);
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
      if (removed > 0) this.deps.log.info({ removed, days }, 'old files removed (retention)');
    } catch (error) {
      this.deps.log.warn({ err: error }, 'media retention sweep failed; it runs again in an hour');
    }
    return removed;
  }
}
