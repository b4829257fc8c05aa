// A token bucket per source (the hook name): bursts up to the per-minute rate, refilled continuously. Pure
// apart from the clock, which is passed in.

export class RateLimiter {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** True when one more request from `source` may pass now. */
  take(source: string): boolean {
    const now = this.now();
    const bucket = this.#buckets.get(source) ?? { tokens: this.perMinute, at: now };
    bucket.tokens = Math.min(this.perMinute, bucket.tokens + ((now - bucket.at) / 60_000) * this.perMinute);
    bucket.at = now;
    this.#buckets.set(source, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  /** Seconds until the next request from `source` may pass (for Retry-After). */
  retryAfterS(source: string): number {
    const bucket = this.#buckets.get(source);
    if (!bucket || bucket.tokens >= 1) return 0;
    return Math.max(1, Math.ceil(((1 - bucket.tokens) * 60) / this.perMinute));
  }
}
