// "typing…" while Claude works. An indicator is a hint, not a message: when many chats wait at once, at most
// MAX_IN_FLIGHT indicator requests per channel are under way and the other chats skip that beat (their next one
// comes TYPING_EVERY_MS later). Queued indicators would arrive stale; firing one per chat at once would open a
// connection per chat when the Bot API is slow and run into the channel's rate limit (Telegram allows a bot
// about 30 requests a second, and a 429 would hold the call in auto-retry).
import type { Channel } from '../channels/channel.ts';
import type { ChannelName } from '../contract/tables.ts';

// From this delay on: an answer that comes sooner needs no indicator, which saves a call on every quick turn.
const TYPING_AFTER_MS = 700;
// Telegram shows the indicator for 5 s.
const TYPING_EVERY_MS = 4500;
export const MAX_TYPING_IN_FLIGHT = 8;

export class TypingIndicators {
  readonly #inFlight = new Map<ChannelName, number>();

  /** Shows "typing…" in the chat until the returned function is called. */
  keep(channel: Channel, chatId: string): () => void {
    let interval: NodeJS.Timeout | undefined;
    const first = setTimeout(() => {
      this.#show(channel, chatId);
      interval = setInterval(() => this.#show(channel, chatId), TYPING_EVERY_MS);
    }, TYPING_AFTER_MS);
    return () => {
      clearTimeout(first);
      clearInterval(interval);
    };
  }

  #show(channel: Channel, chatId: string): void {
    const busy = this.#inFlight.get(channel.name) ?? 0;
    if (busy >= MAX_TYPING_IN_FLIGHT) return;
    this.#inFlight.set(channel.name, busy + 1);
    void channel
      .typing(chatId)
      .catch(() => {}) // a missing indicator is not worth a log line
      .finally(() => this.#inFlight.set(channel.name, (this.#inFlight.get(channel.name) ?? 1) - 1));
  }
}
