// What /healthz says: the datastore, each channel and Claude, and — when something is wrong — one line saying what.
// Refused credentials degrade the agent at once (only the owner can fix them); a service out of reach degrades it
// only once that lasted a while, so a network blip during an update does not read as a broken release.
import type { ChannelState, ClaudeState } from '../contract/tables.ts';

export const UNREACHABLE_GRACE_MS = 60_000;

export interface HealthInput {
  dbOk: boolean;
  /** Each channel MONO knows: its mode when configured and working ('polling', 'webhook'…), else 'off'. */
  channels: Record<string, { mode: string; state: ChannelState; detail?: string }>;
  claude?: { state: ClaudeState; detail?: string };
  now?: number;
}

export interface HealthReport {
  status: 'ok' | 'degraded';
  /** Why it is degraded, one line per problem joined by "; " (absent when ok). */
  reason?: string;
  db: 'ok' | 'error';
  channels: Record<string, string>;
  claude: ClaudeState;
}

const PROBLEMS = new Set<string>(['rejected', 'unreachable', 'error']);

/** Remembers since when each part has been in its state, to tell a lasting outage from a blip. */
export class HealthTracker {
  readonly #since = new Map<string, { state: string; at: number }>();

  constructor(private readonly graceMs = UNREACHABLE_GRACE_MS) {}

  report(input: HealthInput): HealthReport {
    const now = input.now ?? Date.now();
    const reasons: string[] = [];
    if (!input.dbOk) reasons.push('the datastore does not answer');
    const channels: Record<string, string> = {};
    for (const [name, channel] of Object.entries(input.channels)) {
      const problem = PROBLEMS.has(channel.state);
      channels[name] = problem ? channel.state : channel.mode;
      if (this.#counts(name, channel.state, now)) reasons.push(line(name, channel));
    }
    const claude = input.claude ?? { state: 'off' as const };
    if (this.#counts('claude', claude.state, now)) reasons.push(line('claude', claude));
    return {
      status: reasons.length === 0 ? 'ok' : 'degraded',
      ...(reasons.length > 0 ? { reason: reasons.join('; ') } : {}),
      db: input.dbOk ? 'ok' : 'error',
      channels,
      claude: claude.state,
    };
  }

  /** True when this state degrades the agent now: at once, or for `unreachable` once the grace period passed. */
  #counts(part: string, state: string, now: number): boolean {
    const seen = this.#since.get(part);
    if (!seen || seen.state !== state) this.#since.set(part, { state, at: now });
    if (!PROBLEMS.has(state)) return false;
    if (state !== 'unreachable') return true;
    return now - (this.#since.get(part)?.at ?? now) >= this.graceMs;
  }
}

function line(part: string, entry: { state: string; detail?: string }): string {
  const what =
    entry.state === 'rejected'
      ? 'credentials rejected'
      : entry.state === 'unreachable'
        ? 'not reachable'
        : 'error';
  return `${part}: ${what}${entry.detail ? ` (${entry.detail})` : ''}`;
}
