// The services MONO depends on, one Upstream each, and how a failed call to each is read: which failures mean
// "wait for it to come back" (the network, a gateway, a rate limit) and which are answers to give up on.
import { type ClaudeClient, ClaudeError } from '../agent/claude.ts';
import { ChannelSendError } from '../channels/channel.ts';
import type { BackoffPolicy } from '../util/backoff.ts';
import type { FairSlots } from '../util/fair-slots.ts';
import type { PaceLimit } from '../util/pacer.ts';
import type { Classify, Failure } from './upstream.ts';
import { Upstream } from './upstream.ts';

export const UPSTREAM_NAMES = ['telegram', 'whatsapp', 'email', 'anthropic'] as const;
export type UpstreamName = (typeof UPSTREAM_NAMES)[number];

/**
 * How fast the calls that waited out an outage are let go. Sends have their channel's own pace already
 * (delivery.ts); Claude calls have no other limit, so a backlog restarts at five a second.
 */
const RECOVERY_PACE: Record<UpstreamName, PaceLimit> = {
  telegram: { perSecond: 1000, burst: 1000 },
  whatsapp: { perSecond: 1000, burst: 1000 },
  email: { perSecond: 1000, burst: 1000 },
  anthropic: { perSecond: 5, burst: 5 },
};

export class Upstreams {
  readonly #byName: ReadonlyMap<UpstreamName, Upstream>;

  constructor(backoff?: BackoffPolicy) {
    this.#byName = new Map(
      UPSTREAM_NAMES.map((name) => [
        name,
        new Upstream(name, { ...(backoff ? { backoff } : {}), recovery: RECOVERY_PACE[name] }),
      ]),
    );
  }

  get(name: UpstreamName): Upstream {
    return this.#byName.get(name)!;
  }

  all(): Upstream[] {
    return [...this.#byName.values()];
  }
}

/** A send's failure as the gate sees it: undefined for refusals that waiting cannot fix (chat gone, blocked). */
export const classifySend: Classify = (error) => {
  if (!(error instanceof ChannelSendError) || error.permanent) return undefined;
  const { failure } = error;
  if (failure.retryAfterMs !== undefined)
    return { kind: 'throttled', retryAfterMs: failure.retryAfterMs, detail: error.message };
  if (failure.throttled) return { kind: 'throttled', detail: error.message };
  return { kind: failure.unreachable ? 'unreachable' : 'failing', detail: error.message };
};

/** Claude's failures worth waiting for: no answer at all, or a gateway's. */
export const classifyClaude: Classify = (error): Failure | undefined =>
  error instanceof ClaudeError && error.unreachable
    ? { kind: 'unreachable', detail: error.message }
    : undefined;

/** How long a call to Claude may wait for Anthropic to come back before the turn gives up with a notice. */
const CLAUDE_MAX_WAIT_MS = 24 * 60 * 60_000;

/**
 * Claude behind its gates: only so many calls in flight, shared fairly between conversations (fewer while memory
 * is short: guards.ts); while Anthropic cannot be reached, turns wait (one probe at a time) instead of each
 * failing with a notice, and the stored messages are answered when it comes back, at a pace it accepts.
 */
export function gatedClaude(claude: ClaudeClient, upstream: Upstream, slots?: FairSlots): ClaudeClient {
  const gated = async <T>(
    run: () => Promise<T>,
    signal: AbortSignal | undefined,
    fairKey: string | undefined,
  ): Promise<T> => {
    const release = await slots?.acquire(fairKey ?? 'other', signal);
    try {
      return await upstream.run(run, classifyClaude, {
        deadline: performance.now() + CLAUDE_MAX_WAIT_MS,
        ...(signal ? { signal } : {}),
      });
    } finally {
      release?.();
    }
  };
  return {
    model: claude.model,
    ...(claude.warmUp ? { warmUp: () => claude.warmUp?.() } : {}),
    // The key check is one free call: it is not queued behind answers.
    ...(claude.state ? { state: () => claude.state!() } : {}),
    ...(claude.check ? { check: () => claude.check!() } : {}),
    ...(claude.onStateChange ? { onStateChange: (listener) => claude.onStateChange!(listener) } : {}),
    call: (input) => gated(() => claude.call(input), input.signal, input.fairKey),
    reply: (input) => gated(() => claude.reply(input), input.signal, input.fairKey),
  };
}
