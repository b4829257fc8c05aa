// Memory pressure: under a memory limit (the unit's MemoryMax=), a burst of conversations, or the backlog a
// restart resumes, must not push the agent into the kernel's OOM killer again and again. Calls to Claude (what
// holds a turn's memory longest) are unlimited normally; while the resident memory is above 80 % of the limit
// (until it is back under 70 %) only two run at a time, so the backlog still moves but no longer piles up in
// memory. Without a known limit nothing waits.
import { sleep } from '../util/sleep.ts';

export interface MemoryGuardOptions {
  limitBytes: number | undefined;
  /** Resident memory now (tests give their own). */
  rss?: () => number;
  highRatio?: number;
  lowRatio?: number;
  checkMs?: number;
}

/** Calls to Claude in flight at most while memory is short. */
const UNDER_PRESSURE = 2;

export class MemoryGuard {
  readonly #options: MemoryGuardOptions;
  readonly #rss: () => number;
  #pressed = false;
  #waiting = 0;
  #inFlight = 0;

  constructor(options: MemoryGuardOptions) {
    this.#options = options;
    this.#rss = options.rss ?? (() => process.memoryUsage.rss());
  }

  get state(): { rssBytes: number; limitBytes?: number; pressure: boolean; waiting: number } {
    const limit = this.#options.limitBytes;
    return {
      rssBytes: this.#rss(),
      ...(limit !== undefined ? { limitBytes: limit } : {}),
      pressure: this.#pressed,
      waiting: this.#waiting,
    };
  }

  /** Waits until a call may start; call the returned function when it ended. Early when the signal aborts. */
  async acquire(signal?: AbortSignal): Promise<() => void> {
    if (!this.#under() && this.#inFlight >= UNDER_PRESSURE) {
      this.#waiting++;
      try {
        while (!signal?.aborted && !this.#under() && this.#inFlight >= UNDER_PRESSURE)
          await sleep(this.#options.checkMs ?? 250, signal);
      } finally {
        this.#waiting--;
      }
    }
    this.#inFlight++;
    let released = false;
    return () => {
      if (!released) this.#inFlight--;
      released = true;
    };
  }

  #under(): boolean {
    const limit = this.#options.limitBytes;
    if (limit === undefined) return true;
    const rss = this.#rss();
    const mark = (this.#pressed ? (this.#options.lowRatio ?? 0.7) : (this.#options.highRatio ?? 0.8)) * limit;
    this.#pressed = rss >= mark;
    return !this.#pressed;
  }
}
