// Reconnect and restart delays: exponential with a cap and a little jitter, as a pure function for tests.
export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  factor: number;
  jitter: number;
}

export const SYNC_BACKOFF: BackoffOptions = { initialMs: 250, maxMs: 5_000, factor: 2, jitter: 0.2 };
export const RESTART_BACKOFF: BackoffOptions = { initialMs: 1_000, maxMs: 30_000, factor: 2, jitter: 0.1 };

/** Delay before attempt `attempt` (1-based); `random` in [0, 1) is passed in so tests are exact. */
export function backoffDelay(attempt: number, options: BackoffOptions, random = Math.random()): number {
  const base = Math.min(options.maxMs, options.initialMs * options.factor ** Math.max(0, attempt - 1));
  const spread = base * options.jitter;
  return Math.round(base - spread + 2 * spread * random);
}
