// Sends the parts of an outbound message the way MONO promises. Each attempt waits for room on the disk (so the
// "sent" mark after it can always be written), for the channel's pace (so a backlog never floods the API), and for
// the service to be reachable (one probe at a time while it is down). Before the first attempt the message carries
// a durable in-flight mark: after a crash, a reply with that mark and no "sent" is one whose fate is unknown.
import type { Surreal } from 'surrealdb';
import type { Channel } from '../channels/channel.ts';
import { ChannelSendError } from '../channels/channel.ts';
import type { ChannelName } from '../contract/tables.ts';
import { classifySend, type Upstreams } from '../health/upstreams.ts';
import type { MessageRecord } from '../store/messages.ts';
import { KeyedPacer, type PaceLimit } from '../util/pacer.ts';
import { clearInFlight, markInFlight } from './in-flight.ts';

/** What each channel's API accepts: Telegram ~30 messages/s per bot (MONO keeps to 20) and ~1/s per chat; Meta ~80/s per number. */
// Bursts stay small: a second never carries more than the rate plus the burst.
export const SEND_PACE: Record<ChannelName, { chat: PaceLimit; all: PaceLimit }> = {
  telegram: { chat: { perSecond: 1, burst: 3 }, all: { perSecond: 20, burst: 5 } },
  whatsapp: { chat: { perSecond: 1, burst: 3 }, all: { perSecond: 50, burst: 10 } },
  email: { chat: { perSecond: 1, burst: 5 }, all: { perSecond: 2, burst: 5 } },
  // The owner's chat in the desktop: a row in MONO's own datastore, no API to spare.
  desktop: { chat: { perSecond: 1000, burst: 1000 }, all: { perSecond: 1000, burst: 1000 } },
};

/** A reply not sent within a day is given up (marked failed; the owner can send it again from the desktop). */
export const MAX_DELIVERY_AGE_MS = 24 * 60 * 60_000;

export interface DeliveryDeps {
  db: Surreal;
  upstreams: Upstreams;
  /** Resolves when a write may happen (the disk guard's room()); absent: always. */
  room?: (signal: AbortSignal) => Promise<void>;
  pace?: Partial<typeof SEND_PACE>;
}

/** One message's delivery in progress: `send` each part in order; the caller records each part right after. */
export interface Sending {
  send(text: string): Promise<string>;
}

export class Delivery {
  readonly #pacers = new Map<ChannelName, KeyedPacer>();

  constructor(private readonly deps: DeliveryDeps) {}

  start(message: MessageRecord, channel: Channel, chatId: string, signal: AbortSignal): Sending {
    const { db } = this.deps;
    // The desktop's chat is MONO's own datastore: no service to wait for.
    const upstream = channel.name === 'desktop' ? undefined : this.deps.upstreams.get(channel.name);
    const pacer = this.#pacer(channel.name);
    // Replies are stored with the mark already (recordReply): the send follows at once.
    let marked = message.sending_since !== undefined;
    const age = Date.now() - new Date(message.created_at).getTime();
    const deadline = performance.now() + Math.max(0, MAX_DELIVERY_AGE_MS - age);
    const attempt = async (text: string): Promise<string> => {
      await this.deps.room?.(signal);
      await pacer.take(chatId, signal);
      if (signal.aborted) throw new ChannelSendError(channel.name, 'MONO is stopping.', false);
      if (!marked) {
        await markInFlight(db, message.id);
        marked = true;
      }
      try {
        return await channel.send(chatId, text);
      } catch (error) {
        if (error instanceof ChannelSendError && error.failure.notSent) {
          // Certainly not sent: a crash while waiting for the next attempt must not count as unknown.
          await clearInFlight(db, message.id);
          marked = false;
        }
        throw error;
      }
    };
    return {
      send: (text) =>
        upstream ? upstream.run(() => attempt(text), classifySend, { signal, deadline }) : attempt(text),
    };
  }

  #pacer(name: ChannelName): KeyedPacer {
    let pacer = this.#pacers.get(name);
    if (!pacer) {
      const pace = this.deps.pace?.[name] ?? SEND_PACE[name];
      pacer = new KeyedPacer(pace.chat, pace.all);
      this.#pacers.set(name, pacer);
    }
    return pacer;
  }
}
