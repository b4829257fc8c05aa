// Owner settings (table `setting`, one row per key) kept in memory and refreshed live, so edits from the
// desktop take effect on the next turn without a restart.
import { type Surreal, Table } from 'surrealdb';
import type { Logger } from '../log/logger.ts';

export const DEFAULT_SYSTEM_PROMPT =
  'You are MONO, a personal assistant that talks with its owner and the people they allow on chat apps. ' +
  'Be helpful, warm and brief: answer in the language you are written to, in short paragraphs suited to a chat.';

export class Settings {
  readonly #values = new Map<string, unknown>();
  readonly #watchers = new Map<string, Set<() => void>>();
  #stopLive: (() => Promise<void>) | undefined;

  constructor(
    private readonly db: Surreal,
    private readonly log: Logger,
  ) {}

  async load(): Promise<void> {
    const [rows] = await this.db
      .query<[{ key: string; value: unknown }[]]>('SELECT key, value FROM setting')
      .collect();
    for (const row of rows) this.#values.set(row.key, row.value);
    await this.#watch();
  }

  get<T>(key: string): T | undefined {
    return this.#values.get(key) as T | undefined;
  }

  /** Calls `listener` each time the key changes in the datastore (from the desktop, the CLI or a command). */
  watch(key: string, listener: () => void): () => void {
    const listeners = this.#watchers.get(key) ?? new Set();
    listeners.add(listener);
    this.#watchers.set(key, listeners);
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0) this.#watchers.delete(key);
    };
  }

  systemPrompt(): string {
    const value = this.get<string>('system_prompt');
    return typeof value === 'string' && value.trim() ? value : DEFAULT_SYSTEM_PROMPT;
  }

  async set(key: string, value: unknown): Promise<void> {
    await this.db
      .query(
        'UPSERT type::record("setting", $key) SET key = $key, value = $value, updated_at = time::now()',
        {
          key,
          value,
        },
      )
      .collect();
    this.#values.set(key, value);
  }

  async close(): Promise<void> {
    await this.#stopLive?.();
  }

  async #watch(): Promise<void> {
    try {
      const live = await this.db.live(new Table('setting'));
      this.#stopLive = () => live.kill();
      (async () => {
        for await (const change of live) {
          const row = change.value as { key?: string; value?: unknown } | undefined;
          if (!row?.key) continue;
          if (change.action === 'DELETE') this.#values.delete(row.key);
          else this.#values.set(row.key, row.value);
          this.log.info({ key: row.key }, 'setting changed');
          for (const listener of this.#watchers.get(row.key) ?? []) listener();
        }
      })().catch((error) => this.log.warn({ err: error }, 'settings watch ended'));
    } catch (error) {
      // Without live queries (an old server), settings still apply after a restart.
      this.log.warn({ err: error }, 'cannot watch settings live; changes apply after a restart');
    }
  }
}
