// What MONO knows about one service it calls (Telegram, WhatsApp's Graph API, Anthropic, a mail server): is it
// reachable, since when is it not, and when may the next call go. While a service is down, calls wait here instead
// of each retrying on its own: one probe at a time, spaced by a capped, jittered backoff. When the probe gets
// through, the calls that waited are let go at a steady pace, so the end of an outage is not a storm.
import { type BackoffPolicy, backoffDelay } from '../util/backoff.ts';
import { type PaceLimit, Pacer, type PacerClock } from '../util/pacer.ts';
import { sleep } from '../util/sleep.ts';

/** Why a call failed, as far as waiting is concerned; undefined from a classifier: not the gate's business. */
export interface Failure {
  /** unreachable: no answer at all; failing: answers with server errors; throttled: asked to slow down. */
  kind: 'unreachable' | 'failing' | 'throttled';
  /** How long the service asked to wait (HTTP 429's retry_after). */
  retryAfterMs?: number;
  /** For the owner and the logs: what went wrong, without secrets. */
  detail: string;
}

export type Classify = (error: unknown) => Failure | undefined;

export interface UpstreamState {
  name: string;
  up: boolean;
  /** Wall-clock milliseconds: when the service stopped answering (while down). */
  since?: number;
  detail?: string;
  /** Calls waiting for the service right now. */
  waiting: number;
}

export interface UpstreamClock extends PacerClock {
  /** Wall-clock milliseconds, for what people are told ("since 10:02"). */
  wall(): number;
}

export interface UpstreamOptions {
  backoff?: BackoffPolicy;
  /** The pace at which calls that had to wait (an outage, a retry_after) are let go. */
  recovery?: PaceLimit;
  clock?: UpstreamClock;
  random?: () => number;
}

const realClock: UpstreamClock = { now: () => performance.now(), wall: () => Date.now(), sleep };

/** The calls gave up: the deadline passed while the service was still away (or the caller stopped). */
export class UpstreamGaveUpError extends Error {
  constructor(
    readonly upstream: string,
    readonly lastError: unknown,
  ) {
    super(lastError instanceof Error ? lastError.message : `${upstream} could not be reached`);
    this.name = 'UpstreamGaveUpError';
  }
}

export class Upstream {
  readonly #backoff: BackoffPolicy;
  readonly #clock: UpstreamClock;
  readonly #random: () => number;
  #down: { since: number; detail: string } | undefined;
  /** Failed probes in a row (sets the next backoff). */
  #failures = 0;
  /** Monotonic ms before which no call goes out (backoff while down, retry_after while throttled). */
  #notBefore = 0;
  #probing = false;
  #waiting = 0;
  readonly #recovery: Pacer;
  #wake: (() => void)[] = [];
  readonly #listeners = new Set<(state: UpstreamState) => void>();

  constructor(
    readonly name: string,
    options: UpstreamOptions = {},
  ) {
    this.#backoff = options.backoff ?? { baseMs: 1000, capMs: 60_000 };
    this.#clock = options.clock ?? realClock;
    this.#random = options.random ?? Math.random;
    this.#recovery = new Pacer(options.recovery ?? { perSecond: 5, burst: 5 }, this.#clock);
  }

  get state(): UpstreamState {
    return {
      name: this.name,
      up: this.#down === undefined,
      ...(this.#down ? { since: this.#down.since, detail: this.#down.detail } : {}),
      waiting: this.#waiting,
    };
  }

  /** Called on every change between up and down; returns its unsubscribe. */
  onChange(listener: (state: UpstreamState) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Runs `call`, waiting while the service is away and trying again on failures `classify` recognises, until it
   * succeeds, fails otherwise (rethrown at once), the monotonic `deadline` passes or `signal` aborts
   * (UpstreamGaveUpError with the last failure).
   */
  async run<T>(
    call: () => Promise<T>,
    classify: Classify,
    options: { signal?: AbortSignal; deadline?: number } = {},
  ): Promise<T> {
    const { signal, deadline } = options;
    let lastError: unknown;
    for (;;) {
      const probe = await this.#admit(signal, deadline);
      if (probe === undefined) throw new UpstreamGaveUpError(this.name, lastError);
      let value: T;
      try {
        value = await call();
      } catch (error) {
        if (signal?.aborted) {
          // Stopped mid-call: says nothing about the service.
          if (probe) this.#probing = false;
          this.#notify(false);
          throw error;
        }
        const failure = classify(error);
        if (!failure) {
          // The service answered (with a refusal of this one call): it is reachable.
          this.#reached(probe);
          throw error;
        }
        lastError = error;
        this.#failed(failure, probe);
        continue;
      }
      this.#reached(probe);
      return value;
    }
  }

  /** Reports a failure seen outside run() (a polling loop's own call). */
  report(failure: Failure): void {
    this.#failed(failure, true);
  }

  /** Reports a success seen outside run(). */
  reached(): void {
    this.#reached(true);
  }

  /**
   * Waits until a call may go: true for the one probe while down, false for an ordinary call; undefined when the
   * caller must give up (aborted, or the deadline would pass first).
   */
  async #admit(signal: AbortSignal | undefined, deadline: number | undefined): Promise<boolean | undefined> {
    let waited = false;
    this.#waiting++;
    try {
      for (;;) {
        if (signal?.aborted) return undefined;
        const now = this.#clock.now();
        if (deadline !== undefined && now >= deadline) return undefined;
        if (now >= this.#notBefore) {
          if (!this.#down) {
            // Calls that had to wait (an outage, a retry_after) go at the recovery pace; the others at once.
            if (waited) await this.#recovery.take(signal);
            return signal?.aborted ? undefined : false;
          }
          if (!this.#probing) {
            this.#probing = true;
            return true;
          }
        }
        waited = true;
        const until = this.#notBefore > now ? this.#notBefore - now : this.#backoff.capMs;
        const bounded = deadline === undefined ? until : Math.min(until, Math.max(0, deadline - now));
        await this.#changeOr(bounded, signal);
      }
    } finally {
      this.#waiting--;
    }
  }

  #failed(failure: Failure, probe: boolean): void {
    const now = this.#clock.now();
    if (probe) this.#probing = false;
    if (failure.kind === 'throttled') {
      const wait = failure.retryAfterMs ?? backoffDelay(0, this.#backoff, this.#random);
      this.#notBefore = Math.max(this.#notBefore, now + wait);
      this.#notify(false);
      return;
    }
    // Calls that were already out when the outage began fail too; only probes (and the first failure) count.
    if (this.#down && !probe) return;
    const first = !this.#down;
    this.#down ??= { since: this.#clock.wall(), detail: failure.detail };
    this.#down.detail = failure.detail;
    this.#notBefore = now + backoffDelay(this.#failures, this.#backoff, this.#random);
    this.#failures++;
    this.#notify(first);
  }

  #reached(probe: boolean): void {
    if (probe) this.#probing = false;
    if (!this.#down) return;
    this.#down = undefined;
    this.#failures = 0;
    this.#notBefore = 0;
    this.#notify(true);
  }

  #notify(changed: boolean): void {
    const wake = this.#wake;
    this.#wake = [];
    for (const resolve of wake) resolve();
    if (!changed) return;
    const state = this.state;
    for (const listener of this.#listeners) listener(state);
  }

  /** Sleeps `ms`, or less when the state changes or the signal aborts. */
  #changeOr(ms: number, signal: AbortSignal | undefined): Promise<void> {
    const controller = new AbortController();
    const onAbort = () => controller.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    this.#wake.push(onAbort);
    return this.#clock.sleep(ms, controller.signal).finally(() => {
      signal?.removeEventListener('abort', onAbort);
      const index = this.#wake.indexOf(onAbort);
      if (index >= 0) this.#wake.splice(index, 1);
    });
  }
}
