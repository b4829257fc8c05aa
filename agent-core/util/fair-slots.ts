// A fixed number of slots shared fairly between keys (conversations, jobs, hook sources): a burst of a thousand
// conversations holds at most `limit` calls in memory at once, and a waiting key is served in turn, so one busy
// conversation (a tool loop calling again and again) never starves the others. What waits costs one small entry.

interface Waiter {
  resolve: (release: () => void) => void;
  reject: (reason: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

export interface FairSlotsOptions {
  /** Slots at most right now (read at every acquire and release, so it can change: e.g. lower while memory is short). */
  limit: () => number;
  /** While calls wait, how often a raised limit is looked at (nothing else would wake them). */
  recheckMs?: number;
}

export class FairSlots {
  /** Waiting calls by key; the Map's order is the turn order (a key served goes to the back). */
  readonly #queues = new Map<string, Waiter[]>();
  #inUse = 0;
  #waiting = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: FairSlotsOptions) {}

  get inUse(): number {
    return this.#inUse;
  }

  get waiting(): number {
    return this.#waiting;
  }

  /** Waits for a slot for `key`; call the returned function once the work is done. Rejects when `signal` aborts. */
  acquire(key: string, signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#waiting === 0 && this.#inUse < this.#limit()) return Promise.resolve(this.#take());
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        signal,
        onAbort: () => {
          this.#remove(key, waiter);
          reject(signal?.reason);
        },
      };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      const queue = this.#queues.get(key);
      if (queue) queue.push(waiter);
      else this.#queues.set(key, [waiter]);
      this.#waiting++;
      this.#watch();
    });
  }

  #limit(): number {
    return Math.max(1, Math.floor(this.options.limit()));
  }

  #take(): () => void {
    this.#inUse++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#inUse--;
      this.#pump();
    };
  }

  /** Hands free slots to the waiting keys in turn: the first key in line, which then goes to the back. */
  #pump(): void {
    while (this.#waiting > 0 && this.#inUse < this.#limit()) {
      const [key, queue] = this.#queues.entries().next().value as [string, Waiter[]];
      const waiter = queue.shift()!;
      this.#queues.delete(key);
      if (queue.length > 0) this.#queues.set(key, queue);
      this.#waiting--;
      waiter.signal?.removeEventListener('abort', waiter.onAbort);
      waiter.resolve(this.#take());
    }
    if (this.#waiting === 0) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }

  #remove(key: string, waiter: Waiter): void {
    const queue = this.#queues.get(key);
    const index = queue?.indexOf(waiter) ?? -1;
    if (!queue || index < 0) return;
    queue.splice(index, 1);
    if (queue.length === 0) this.#queues.delete(key);
    this.#waiting--;
    this.#pump();
  }

  #watch(): void {
    if (this.#timer || this.options.recheckMs === undefined) return;
    this.#timer = setInterval(() => this.#pump(), this.options.recheckMs);
    this.#timer.unref();
  }
}
