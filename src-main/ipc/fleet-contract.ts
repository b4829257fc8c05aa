// The Fleet screen's half of the IPC contract: the host list (checked by the CLI's own host-spec rules), the
// rollout settings with their defaults, and what the screen shows of a run (per host, the canary, the summary).
import { z } from 'zod';
import { errorMessage } from '../../agent-core/util/error-message.ts';
import { formatHostSpec, type HostSpec, parseHostsFile } from '../provision/host-spec.ts';
import { CONTROL_CHARS_MESSAGE, FLEET_DEFAULTS, FLEET_MAX_HOSTS, hasControlChars } from './input-rules.ts';

export { FLEET_DEFAULTS, FLEET_MAX_HOSTS };

/** The host list as `mono fleet deploy` reads a hosts file; the first problem is named with its line. */
export function fleetHostsProblem(text: string): string | undefined {
  let hosts: HostSpec[];
  try {
    hosts = parseHostsFile(text);
  } catch (error) {
    const message = errorMessage(error);
    return `${message.charAt(0).toUpperCase()}${message.slice(1)}`;
  }
  if (hosts.length === 0) return 'List at least one server, one user@host per line.';
  if (hosts.length > FLEET_MAX_HOSTS)
    return `At most ${FLEET_MAX_HOSTS} servers at once here; use "mono fleet deploy" for more.`;
  const seen = new Set<string>();
  for (const host of hosts) {
    const name = formatHostSpec(host);
    if (seen.has(name)) return `${name} is listed twice: each server once.`;
    seen.add(name);
  }
  return undefined;
}

const hostsText = z
  .string()
  .max(100_000, 'That host list is too long.')
  .superRefine((text, ctx) => {
    const problem = fleetHostsProblem(text);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
const keyPath = z
  .string()
  .trim()
  .min(1, 'Choose the SSH key file these servers accept.')
  .max(4096)
  .refine((v) => !hasControlChars(v), CONTROL_CHARS_MESSAGE);
const fingerprint = z
  .string()
  .trim()
  .regex(/^SHA256:[A-Za-z0-9+/]{43}$/, 'A fingerprint looks like SHA256: and 43 letters, digits, + or /.');
const whole = (min: number, max: number, what: string) =>
  z
    .number()
    .int(`${what} is a whole number.`)
    .min(min, `${what} is at least ${min}.`)
    .max(max, `${what} is at most ${max}.`);

export const FleetHosts = z.object({ hosts: hostsText, keyPath });
export const FleetTrust = FleetHosts.extend({
  /** The keys the owner compared and confirmed, by host (user@host[:port]). */
  keys: z
    .array(z.object({ host: z.string().max(300), fingerprint }))
    .min(1)
    .max(FLEET_MAX_HOSTS),
});
export const FleetDeploy = FleetHosts.extend({
  parallel: whole(1, 32, 'Servers at once').default(FLEET_DEFAULTS.parallel),
  canary: whole(0, FLEET_MAX_HOSTS, 'Canary servers').default(FLEET_DEFAULTS.canary),
  bakeS: whole(0, 3600, 'The bake (seconds)').default(FLEET_DEFAULTS.bakeS),
  maxFailures: whole(0, FLEET_MAX_HOSTS, 'Failures allowed').default(FLEET_DEFAULTS.maxFailures),
});
export type FleetDeployInput = z.output<typeof FleetDeploy>;

/**
 * Where one host is in the rollout. rolled-back: its new release failed and the one before runs again;
 * failed: it failed and still runs what it ran before (or nothing, or it is unknown: see `detail`).
 */
export type FleetHostState =
  | 'waiting'
  | 'deploying'
  | 'baking'
  | 'healthy'
  | 'failed'
  | 'rolled-back'
  | 'skipped';

export interface FleetHostView {
  name: string;
  canary: boolean;
  state: FleetHostState;
  /** What it does now or how it ended, in one line. */
  message: string;
  /** The step it is at (1-based) of how many. */
  step?: { index: number; total: number };
  /** The release it runs now, as far as this run knows ('nothing' on a fresh server). */
  running?: string;
  /** The release this run deploys there. */
  target?: string;
  /** While baking: when its bake ends (it counts once it stayed healthy until then). */
  bakeEndsAt?: string;
  /** For a failure: what to do, and its last log lines (redacted on the server's side). */
  hint?: string;
  logTail?: string[];
  /** Its steps as they happened (the last ones). */
  log: string[];
}

export interface FleetSummary {
  ok: boolean;
  haltedByCanary: boolean;
  haltedByBudget: boolean;
  cancelled: boolean;
  /** Which hosts run which release now ('unchanged': failed before switching, still on what it ran). */
  releases: Record<string, string[]>;
  untouched: string[];
  counts: { deployed: number; unchanged: number; failed: number; skipped: number };
  durationMs: number;
}

export interface FleetState {
  running: boolean;
  settings?: { parallel: number; canary: number; bakeS: number; maxFailures: number };
  startedAt?: string;
  finishedAt?: string;
  hosts: FleetHostView[];
  summary?: FleetSummary;
  /** The run could not start or ended without an outcome per host (the release is missing…). */
  error?: string;
}
