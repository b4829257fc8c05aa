// Memory pressure: under a memory limit (the unit's MemoryMax=), a burst of conversations, or the backlog a
// restart resumes, must not push the agent into the kernel's OOM killer again and again. While the memory in use
// is above 70 % of the limit (until it is back under 60 %: finishing a turn needs room too, and V8 frees late)
// the agent is "pressed": fewer calls to Claude run at once (what holds a turn's memory longest), so the backlog
// still moves but no longer piles up in memory; and only a few new messages are taken at a time (guards.ts: the
// senders keep the rest), since every message taken is a turn in memory. And V8 is made to collect its garbage
// (at most every few seconds while pressed): it collects lazily, and without it the heap's garbage alone took the
// agent over its limit while a backlog drained. Without a known limit nothing waits.
import { collectGarbage } from '../util/collect-garbage.ts';

export interface MemoryGuardOptions {
  limitBytes: number | undefined;
  /** Memory in use now (default: the process's resident memory). */
  usage?: () => number;
  highRatio?: number;
  lowRatio?: number;
  /** A full garbage collection (default: V8's); called when pressure starts and every GC_EVERY_MS while it lasts. */
  collectGarbage?: () => void;
}

/** While pressed, V8 collects fully at most this often (a full collection of a 60 MB heap takes ~30 ms). */
const GC_EVERY_MS = 2000;

export class MemoryGuard {
  readonly #options: MemoryGuardOptions;
  readonly #usage: () => number;
  #pressed = false;
  #used = 0;
  #readAt = Number.NEGATIVE_INFINITY;
  #collectedAt = Number.NEGATIVE_INFINITY;

  constructor(options: MemoryGuardOptions) {
    this.#options = options;
    this.#usage = options.usage ?? (() => process.memoryUsage.rss());
  }

  get state(): { usedBytes: number; limitBytes?: number; pressure: boolean } {
    const limit = this.#options.limitBytes;
    return {
      usedBytes: this.#usage(),
      ...(limit !== undefined ? { limitBytes: limit } : {}),
      pressure: this.#pressed,
    };
  }

  /** True while memory is short (above the high mark, until back under the low one): take no new work. */
  pressed(): boolean {
    return !this.#under();
  }

  #under(): boolean {
    const limit = this.#options.limitBytes;
    if (limit === undefined) return true;
    // Read at most every 100 ms: every message taken and every call asks.
    const now = performance.now();
    if (now - this.#readAt >= 100) {
      this.#used = this.#usage();
      this.#readAt = now;
    }
    const used = this.#used;
    const mark = (this.#pressed ? (this.#options.lowRatio ?? 0.6) : (this.#options.highRatio ?? 0.7)) * limit;
    this.#pressed = used >= mark;
    if (this.#pressed && now - this.#collectedAt >= GC_EVERY_MS) {
      this.#collectedAt = now;
      (this.#options.collectGarbage ?? collectGarbage)();
      // What the collection gave back counts from the next look on.
      this.#readAt = Number.NEGATIVE_INFINITY;
    }
    return !this.#pressed;
  }
}
