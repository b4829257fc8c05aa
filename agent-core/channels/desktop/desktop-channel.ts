// The owner's chat with MONO in the desktop app (contract/desktop-chat.ts). The desktop writes each message as a
// desktop_inbox row; this channel hands it to the agent like any channel's message — stored first (deduplicated
// on the desktop's id for it), only then is the row removed — in the order written. A reply needs no sending:
// its row in the datastore is what the desktop shows, so send() only names it.
import { randomUUID } from 'node:crypto';
import { type RecordId, type Surreal, Table } from 'surrealdb';
import { DESKTOP_CHAT, DESKTOP_OWNER_NAME, MAX_CHAT_TEXT } from '../../contract/desktop-chat.ts';
import type { ChannelState } from '../../contract/tables.ts';
import type { Logger } from '../../log/logger.ts';
import type { Channel, Receive } from '../channel.ts';

interface InboxRow {
  id: RecordId;
  text?: unknown;
  created_at?: unknown;
}

/** A desktop id longer than this is not one the desktop made (it sends UUIDs). */
const MAX_CLIENT_ID = 100;
const RETRY_MS = 2000;

export class DesktopChannel implements Channel {
  readonly name = 'desktop' as const;
  /** The desktop shows a reply of any length in one piece. */
  readonly maxMessageLength = 1_000_000;
  /** Replies are shown as they are written (turns.ts streams their text into the row). */
  readonly liveReplies = true;
  #db: Surreal | undefined;
  #receive: Receive | undefined;
  #kill: (() => Promise<void>) | undefined;
  #queue: Promise<void> = Promise.resolve();
  /** Rows queued and not yet taken, so a row seen by the live query and the start-up scan is taken once. */
  readonly #queued = new Set<string>();
  #retry: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(private readonly log: Logger) {}

  attach(db: Surreal): void {
    this.#db = db;
  }

  async start(receive: Receive): Promise<void> {
    const db = this.#db;
    if (!db) throw new Error('the desktop channel starts after attach()');
    this.#receive = receive;
    // Watch first, then read what is there: a row written in between is seen twice and taken once.
    try {
      const live = await db.live(new Table('desktop_inbox'));
      this.#kill = () => live.kill();
      (async () => {
        for await (const change of live) {
          if (change.action === 'CREATE') this.#take({ ...change.value, id: change.recordId });
        }
      })().catch((error) => this.log.warn({ err: error }, 'desktop chat watch ended'));
    } catch (error) {
      this.log.warn(
        { err: error },
        'cannot watch the desktop chat live; its messages are read every few seconds',
      );
      this.#retry = setInterval(() => this.#scan(), RETRY_MS);
      this.#retry.unref();
    }
    await this.#scan();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#retry);
    clearTimeout(this.#retry);
    await this.#kill?.().catch(() => {});
    await this.#queue;
  }

  async send(): Promise<string> {
    return `desktop-${randomUUID()}`;
  }

  async typing(): Promise<void> {}

  state(): { state: ChannelState } {
    return { state: 'connected' };
  }

  async #scan(): Promise<void> {
    const db = this.#db;
    if (!db || this.#stopped) return;
    try {
      const [rows] = await db
        .query<[InboxRow[]]>('SELECT id, text, created_at FROM desktop_inbox ORDER BY created_at ASC')
        .collect();
      for (const row of rows) this.#take(row);
    } catch (error) {
      this.log.warn({ err: error }, 'could not read the desktop chat; trying again');
      this.#later();
    }
  }

  #take(row: InboxRow): void {
    const key = row.id.toString();
    if (this.#queued.has(key) || this.#stopped) return;
    this.#queued.add(key);
    this.#queue = this.#queue.then(async () => {
      try {
        await this.#store(row);
      } catch (error) {
        // Not stored: the row stays, and is taken again shortly (or at the next start).
        this.log.warn({ err: error }, 'could not store a message from the desktop chat; trying again');
        this.#later();
      } finally {
        this.#queued.delete(key);
      }
    });
  }

  async #store(row: InboxRow): Promise<void> {
    const db = this.#db as Surreal;
    const clientId = typeof row.id.id === 'string' ? row.id.id : JSON.stringify(row.id.id);
    if (typeof row.text === 'string' && row.text.trim() && clientId.length <= MAX_CLIENT_ID) {
      await this.#receive?.({
        channel: 'desktop',
        chatId: DESKTOP_CHAT,
        messageId: clientId,
        userId: DESKTOP_CHAT,
        name: DESKTOP_OWNER_NAME,
        text: row.text.slice(0, MAX_CHAT_TEXT),
        readable: true,
        at: row.created_at instanceof Date ? row.created_at : new Date(),
      });
    } else {
      this.log.warn('a desktop chat row without text or with a foreign id was dropped');
    }
    // Stored (or a duplicate of a stored one): the row has done its job.
    await db.query('DELETE $id', { id: row.id }).collect();
  }

  #later(): void {
    if (this.#stopped || this.#retry) return;
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      void this.#scan();
    }, RETRY_MS);
    this.#retry.unref();
  }
}
