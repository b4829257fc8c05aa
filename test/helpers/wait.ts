// Waiting in tests: for something to happen (eventually), and long enough to show that something did NOT
// happen — a duplicate reply, a second Claude call — without guessing a different pause in every suite.
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls until `check` returns a value other than undefined/false, or fails with `what` after the deadline. */
export async function eventually<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

/**
 * A reply or a request the agent should NOT make would reach the local fakes within a few hundred
 * milliseconds of the one it should make (they run on loopback, the turn is already done): a second of
 * quiet, then the test counts. Use it before asserting "exactly once" or "nothing more".
 */
export const DUPLICATE_WINDOW_MS = 1000;
export function allowTimeForDuplicates(): Promise<void> {
  return sleep(DUPLICATE_WINDOW_MS);
}

/**
 * Replies to one Telegram chat go out at Telegram's pace, one a second (the agent's send pacing): how long the
 * last of `replies` queued answers to a single chat may trail the first.
 */
export function oneChatBacklogMs(replies: number): number {
  return replies * 1_000;
}
