// Retry delays for services that may be away for seconds or hours: exponential, capped, and jittered so that the
// calls waiting on one outage do not all come back in the same instant when it ends.

export interface BackoffPolicy {
  /** The first delay's ceiling. */
  baseMs: number;
  /** No delay is longer than this. */
  capMs: number;
}

/**
 * The delay before retry number `attempt` (0 for the first retry): a random point in the upper half of
 * min(cap, base·2^attempt) ("equal jitter"): spread out, yet never an instant retry that would hammer a service
 * that just failed.
 */
export function backoffDelay(
  attempt: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(Math.max(0, attempt), 40));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
