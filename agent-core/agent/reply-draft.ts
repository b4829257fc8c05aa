// Shows a reply as Claude writes it (channels with live replies: the desktop's chat). The text so far goes into the
// reply's row at most every `everyMs` — the first piece at once, then the latest text after each pause — one write
// at a time. finish() stops the writes before the real reply is recorded, so the final write is always the reply.
import type { Surreal } from 'surrealdb';
import type { Logger } from '../log/logger.ts';
import { type DraftTarget, discardDraft, writeDraft } from '../store/reply-drafts.ts';

/** How often the growing text is written at most: smooth enough to read along, a few writes a second. */
export const DRAFT_EVERY_MS = 150;

export class ReplyDraft {
  #text = '';
  #written = '';
  #lastWrite = 0;
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> = Promise.resolve();
  #inFlight = false;
  #closed = false;
  #started = false;

  constructor(
    private readonly db: Surreal,
    private readonly target: DraftTarget,
    private readonly log: Logger,
    private readonly everyMs = DRAFT_EVERY_MS,
  ) {}

  /** The reply's text so far (called as Claude's text arrives). */
  readonly update = (text: string): void => {
    if (this.#closed || text === this.#text) return;
    this.#text = text;
    this.#schedule();
  };

  /** No more writes; resolves once the last one ended. Call before the reply is recorded. */
  async finish(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#writing;
  }

  /** As finish(), and the row goes: the turn ends without a reply of its own (recordReply creates what it needs). */
  async discard(): Promise<void> {
    await this.finish();
    if (!this.#started) return;
    // Left behind, the row is harmless: recordReply turns it into whatever is recorded, a restart removes it.
    await discardDraft(this.db, this.target.inbound).catch((error) =>
      this.log.warn({ err: error }, 'could not remove the reply in progress'),
    );
  }

  #schedule(): void {
    if (this.#timer || this.#inFlight) return;
    const wait = Math.max(0, this.#lastWrite + this.everyMs - Date.now());
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#write();
    }, wait);
    this.#timer.unref();
  }

  #write(): void {
    if (this.#closed || this.#text === this.#written) return;
    const text = this.#text;
    this.#inFlight = true;
    this.#started = true;
    this.#lastWrite = Date.now();
    this.#writing = writeDraft(this.db, this.target, text)
      .then(() => {
        this.#written = text;
      })
      // Only a view of the reply in progress: a failed write costs nothing but the view.
      .catch((error) => this.log.warn({ err: error }, 'could not show the reply in progress'))
      .finally(() => {
        this.#inFlight = false;
        if (!this.#closed && this.#text !== this.#written) this.#schedule();
      });
  }
}
