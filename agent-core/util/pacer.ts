// Token buckets that keep outgoing calls at a pace a service accepts (Telegram: ~30 messages a second overall,
// about one a second per chat): a short burst passes at once, a backlog drains at the steady rate.
import { sleep } from './sleep.ts';

export interface PaceLimit {
  /** Calls per second, sustained. */
  perSecond: number;
  /** Calls that may go at once after a quiet spell. */
  burst: number;
}

export interface PacerClock {
  /** Monotonic milliseconds. */
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

const realClock: PacerClock = { now: () => performance.now(), sleep };

/** One bucket. Each caller reserves its slot when it asks, so callers go out in the order they asked. */
export class Pacer {
  #tokens: number;
  #at: number;

  constructor(
    private readonly limit: PaceLimit,
    private readonly clock: PacerClock = realClock,
  ) {
    this.#tokens = limit.burst;
    this.#at = clock.now();
  }

  /** Milliseconds until a call asked for now may go out, with its slot reserved. */
  reserve(): number {
    const now = this.clock.now();
    this.#tokens = Math.min(
      this.limit.burst,
      this.#tokens + ((now - this.#at) * this.limit.perSecond) / 1000,
    );
    this.#at = now;
    this.#tokens -= 1;
    return this.#tokens >= 0 ? 0 : (-this.#tokens * 1000) / this.limit.perSecond;
  }

  /** Gives back a reserved slot that was not used (the caller gave up while waiting). */
  refund(): void {
    this.#tokens = Math.min(this.limit.burst, this.#tokens + 1);
  }

  /** True when the bucket is full again (nothing reserved, nothing owed): it can be forgotten. */
  idle(): boolean {
    const now = this.clock.now();
    return this.#tokens + ((now - this.#at) * this.limit.perSecond) / 1000 >= this.limit.burst;
  }

  /** Waits for this call's slot. Resolves early (without the slot) when the signal aborts. */
  async take(signal?: AbortSignal): Promise<void> {
    const wait = this.reserve();
    if (wait <= 0) return;
    await this.clock.sleep(wait, signal);
    if (signal?.aborted) this.refund();
  }
}

/** A bucket per key (a chat) plus one for all keys together (the bot or phone number). */
export class KeyedPacer {
  readonly #all: Pacer;
  readonly #byKey = new Map<string, Pacer>();

  constructor(
    private readonly each: PaceLimit,
    all: PaceLimit,
    private readonly clock: PacerClock = realClock,
  ) {
    this.#all = new Pacer(all, clock);
  }

  /** Waits until a call for `key` may go out under both limits. */
  async take(key: string, signal?: AbortSignal): Promise<void> {
    let own = this.#byKey.get(key);
    if (!own) {
      // Forget the buckets of quiet chats: a busy bot talks to thousands over a day.
      if (this.#byKey.size >= 1000) for (const [k, p] of this.#byKey) if (p.idle()) this.#byKey.delete(k);
      own = new Pacer(this.each, this.clock);
      this.#byKey.set(key, own);
    }
    const wait = Math.max(own.reserve(), this.#all.reserve());
    if (wait <= 0) return;
    await this.clock.sleep(wait, signal);
    if (signal?.aborted) {
      own.refund();
      this.#all.refund();
    }
  }
}
