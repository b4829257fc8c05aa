// Messages that arrive while MONO is paused wait (status 'received') and are answered on resume, oldest first and
// exactly once — or skipped when the owner resumes with /resume skip. A resume from the desktop (a datastore
// write) is noticed by watching the pause flag while anything waits.
import type { RecordId, Surreal } from 'surrealdb';
import type { PauseState } from '../commands/pause.ts';
import type { Logger } from '../log/logger.ts';
import { holdInbound, releaseHeld } from '../store/messages.ts';

const WATCH_MS = 500;

export interface HeldDeps {
  db: Surreal;
  pause: PauseState;
  log: Logger;
  /** Queues a stored inbound message for its turn (the turn runner). */
  answer(id: RecordId, conversation: RecordId): void;
  watchMs?: number;
}

export class HeldMessages {
  readonly #waiting = new Set<string>();
  /** Conversations told during this pause that their messages wait (told once per pause). */
  readonly #told = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  #releasing: Promise<number> = Promise.resolve(0);

  constructor(private readonly deps: HeldDeps) {}

  /** Parks a message until resume; true the first time its conversation is told about the pause. */
  async hold(id: RecordId, conversation: RecordId): Promise<boolean> {
    await holdInbound(this.deps.db, id);
    this.#waiting.add(id.toString());
    this.#watch();
    const key = conversation.toString();
    if (this.#told.has(key)) return false;
    this.#told.add(key);
    return true;
  }

  /**
   * After a resume: every waiting message is queued for its turn, oldest first (or, with `skip`, marked ignored).
   * Resolves to how many. One release at a time.
   */
  release(skip = false): Promise<number> {
    const run = async () => {
      this.#waiting.clear();
      this.#told.clear();
      const held = await releaseHeld(this.deps.db, skip);
      if (!skip) for (const message of held) this.deps.answer(message.id, message.conversation);
      if (held.length > 0)
        this.deps.log.info({ messages: held.length, skipped: skip }, 'messages held while paused released');
      if (this.#waiting.size === 0) this.stop();
      return held.length;
    };
    this.#releasing = this.#releasing.then(run, run);
    return this.#releasing;
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #watch(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => {
      this.deps.pause
        .paused(true)
        .then((paused) => (paused ? undefined : this.release()))
        .catch((error) => this.deps.log.warn({ err: error }, 'could not release held messages'));
    }, this.deps.watchMs ?? WATCH_MS);
    this.#timer.unref();
  }
}
