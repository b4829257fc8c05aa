// A clock the test moves by hand, for the retry and pace logic (monotonic and wall time move together).
export class ManualClock {
  #now = 1_000_000;
  #sleepers: { until: number; resolve: () => void }[] = [];

  now = (): number => this.#now;
  wall = (): number => Date.UTC(2026, 2, 2) + this.#now;

  sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
    new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const sleeper = { until: this.#now + ms, resolve };
      this.#sleepers.push(sleeper);
      signal?.addEventListener('abort', () => resolve(), { once: true });
    });

  /** Moves time forward step by step, waking sleepers in order and letting their continuations run. */
  async advance(ms: number, step = 10): Promise<void> {
    const end = this.#now + ms;
    while (this.#now < end) {
      this.#now = Math.min(end, this.#now + step);
      const due = this.#sleepers.filter((s) => s.until <= this.#now);
      this.#sleepers = this.#sleepers.filter((s) => s.until > this.#now);
      for (const sleeper of due) sleeper.resolve();
      await flush();
    }
  }
}

/** Lets pending promise continuations run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
}
