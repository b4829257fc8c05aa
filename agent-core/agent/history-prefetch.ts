// Reading a chat's history in the same round trip that stores its message (storeInbound's historyLimit) saves
// the turn a query. It is exact only while nothing else touches the chat between the store and the turn: no turn
// of it queued or running (its replies and statuses change the history), and no other message of the chat
// stored at the same time (Telegram delivers webhooks concurrently). Otherwise the turn reads the history itself.
import type { RecordId } from 'surrealdb';
import type { StoredInbound } from '../store/messages.ts';

export class HistoryPrefetch {
  /** Stores in flight by conversation; `shared` once two of them overlapped. */
  readonly #storing = new Map<string, { count: number; shared: boolean }>();

  constructor(private readonly isIdle: (conversation: RecordId) => boolean) {}

  /** Runs `store(prefetch)`; a history it read is dropped again when another store of the chat overlapped it. */
  async store(
    conversation: RecordId,
    store: (prefetch: boolean) => Promise<StoredInbound>,
  ): Promise<StoredInbound> {
    const key = conversation.toString();
    let entry = this.#storing.get(key);
    if (entry) {
      entry.count++;
      entry.shared = true;
    } else {
      entry = { count: 1, shared: false };
      this.#storing.set(key, entry);
    }
    const prefetch = !entry.shared && this.isIdle(conversation);
    try {
      const stored = await store(prefetch);
      if (entry.shared && stored.claimed?.history) {
        const { history: _, ...claimed } = stored.claimed;
        return { ...stored, claimed };
      }
      return stored;
    } finally {
      if (--entry.count === 0) this.#storing.delete(key);
    }
  }
}
