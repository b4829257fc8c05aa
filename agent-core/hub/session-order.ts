// The order in which one engine session's requests run. The embedded engine (@surrealdb/node 3.0.3) deadlocks a
// session when a request that changes the session's state (`use`, `let`, `signin`, …) runs while another request
// of the same session is running: both wait forever, each holding its frame, and every later request of that
// session waits behind them (measured: `use` beside a `query` or `select` on one session hangs in the first of a
// few rounds; two state changes, or two queries, side by side never did). A client may pipeline whatever it likes,
// so the hub orders each session's requests itself: a state change runs alone, after the requests that came
// before it and before those that come after; all other requests run side by side, as the engine allows.

/** Requests that change an engine session's own state (namespace, variables, signed-in user). */
export const SESSION_STATE_METHODS: ReadonlySet<string> = new Set([
  'use',
  'let',
  'set',
  'unset',
  'reset',
  'signin',
  'signup',
  'authenticate',
  'refresh',
  'invalidate',
  'detach',
]);

export class SessionOrder {
  /** Settles when the last state change queued so far has run. */
  #lastStateChange: Promise<void> = Promise.resolve();
  /** Requests started since that state change, still running. */
  readonly #running = new Set<Promise<void>>();

  /** Runs `work` (one request of `method`) when the session's order lets it; resolves or rejects as it does. */
  run<T>(method: string, work: () => Promise<T>): Promise<T> {
    if (SESSION_STATE_METHODS.has(method)) {
      const before = Promise.all([this.#lastStateChange, ...this.#running]);
      this.#running.clear();
      const result = before.then(work);
      this.#lastStateChange = result.then(settledOk, settledOk);
      return result;
    }
    const result = this.#lastStateChange.then(work);
    const done = result.then(settledOk, settledOk);
    this.#running.add(done);
    void done.then(() => this.#running.delete(done));
    return result;
  }
}

function settledOk(): void {}
