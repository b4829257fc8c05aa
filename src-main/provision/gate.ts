// The health gate: a release is healthy when /healthz says `ok` with its version and every configured channel,
// from a process that runs that release — and stays so through a bake period (a release that dies five
// seconds later is not healthy). One gate for deploy, rollback and every fleet host.
import { lastExitCommand, serviceStateCommand } from './commands/systemd.ts';
import { type Health, probeHealth } from './health.ts';
import { LAYOUT } from './layout.ts';
import type { Session } from './session.ts';

export interface GateOptions {
  /** The release directory the agent's process must run from (its id); any, when not given (a restore). */
  release?: string;
  /** The version /healthz must report. */
  version: string;
  port: number;
  /** Channels that are configured and so must not report `off`. */
  channels: string[];
  /** How long the release may take to become healthy. */
  timeoutMs: number;
  /** How long it must then stay healthy: same process, no restart, /healthz ok throughout. */
  bakeMs: number;
  /** Called once when the release first answers healthy (the bake starts). */
  onHealthy?: (health: Health) => void;
  signal?: AbortSignal;
}

export type GateResult =
  | { ok: true; health: Health; healthyAfterMs: number; bakedMs: number }
  | {
      ok: false;
      /** What went wrong, in one line ("crashed 5 s after it became healthy (exit status 3)"). */
      reason: string;
      phase: 'start' | 'bake';
    };

interface ServiceState {
  active: string;
  sub: string;
  restarts: number;
  pid: number;
  exitStatus: string;
  cwd: string;
}

async function serviceState(session: Session): Promise<ServiceState> {
  const f = (await session.run(serviceStateCommand(), { allowFailure: true })).facts;
  return {
    active: f.ActiveState ?? 'unknown',
    sub: f.SubState ?? '',
    restarts: Number(f.NRestarts ?? 0),
    pid: Number(f.MainPID ?? 0),
    exitStatus: f.ExecMainStatus ?? '?',
    cwd: f.cwd ?? '',
  };
}

/**
 * How the agent's last process ended, as systemd logged it ("exit status 3", "killed by SIGKILL"): systemd's own
 * ExecMainStatus is reset as soon as the next restart begins, so a sample rarely catches it.
 */
async function lastExit(session: Session, fallback: string): Promise<string> {
  const shown = await session.run(lastExitCommand(), { allowFailure: true }).catch(() => undefined);
  const exit = /code=(\w+), status=(\d+)(?:\/(\w+))?/.exec(shown?.stdout ?? '');
  if (!exit) return fallback === '0' || fallback === '?' ? 'exit status unknown' : `exit status ${fallback}`;
  return exit[1] === 'exited'
    ? `exit status ${exit[2]}`
    : `killed by ${exit[3] ? `SIG${exit[3]}` : `signal ${exit[2]}`}`;
}

/** Why an answer is not healthy for this release, or undefined when it is. */
export function healthProblem(
  health: Health | undefined,
  problem: string | undefined,
  release: Pick<GateOptions, 'version' | 'channels'>,
): string | undefined {
  if (!health) return problem ?? 'no answer';
  if (health.version !== release.version)
    return `/healthz reports version ${health.version}, not ${release.version}`;
  if (health.status !== 'ok')
    return `/healthz reports ${health.status}${health.db && health.db !== 'ok' ? ` (db ${health.db})` : ''}`;
  if (problem) return problem;
  const off = release.channels.filter((c) => !health.channels?.[c] || health.channels[c] === 'off');
  if (off.length) return `/healthz reports ${off.join(', ')} off although configured`;
  return undefined;
}

const seconds = (ms: number) => `${Math.max(0, Math.round(ms / 1000))} s`;

export async function gate(session: Session, options: GateOptions): Promise<GateResult> {
  const started = performance.now();
  const runsRelease = (s: ServiceState) =>
    !options.release || s.cwd === `${LAYOUT.releases}/${options.release}`;
  const base = await serviceState(session);
  let last = 'no answer yet';
  let lastState = performance.now();
  let healthy: { health: Health; at: number; pid: number; restarts: number } | undefined;

  // Until healthy: a crash loop or a failed unit fails at once; otherwise wait for the limit.
  while (!healthy) {
    if (options.signal?.aborted)
      return { ok: false, reason: 'was cancelled before it became healthy', phase: 'start' };
    if (performance.now() - started > options.timeoutMs)
      return {
        ok: false,
        reason: `did not become healthy within ${seconds(options.timeoutMs)} (last: ${last})`,
        phase: 'start',
      };
    const probe = await probeHealth(session, options.port);
    const problem = healthProblem(probe.health, probe.problem, options);
    const checkState = !problem || performance.now() - lastState > 1000;
    if (checkState) {
      lastState = performance.now();
      const s = await serviceState(session);
      const restarts = s.restarts - base.restarts;
      if (restarts >= 3 || s.active === 'failed' || s.sub === 'failed')
        return {
          ok: false,
          reason: `exits at start (${await lastExit(session, s.exitStatus)}, ${restarts > 0 ? `restarted ${restarts} times` : 'not restarted'})`,
          phase: 'start',
        };
      if (!problem && s.active === 'active' && runsRelease(s))
        healthy = { health: probe.health!, at: performance.now(), pid: s.pid, restarts: s.restarts };
      else if (!problem) last = `the running process is not ${options.release} (${s.cwd || 'none'})`;
    }
    if (problem) last = problem;
    if (!healthy) await sleep(200);
  }

  // The bake: the same process, no restart, /healthz ok throughout (two misses in a row fail it).
  options.onHealthy?.(healthy.health);
  const healthyAfterMs = healthy.at - started;
  let misses = 0;
  while (performance.now() - healthy.at < options.bakeMs) {
    await sleep(Math.min(500, Math.max(0, options.bakeMs - (performance.now() - healthy.at))));
    const after = seconds(performance.now() - healthy.at);
    const s = await serviceState(session);
    if (s.pid !== healthy.pid || s.restarts !== healthy.restarts || s.active !== 'active')
      return {
        ok: false,
        reason: `crashed ${after} after it became healthy (${await lastExit(session, s.exitStatus)}${s.restarts > healthy.restarts ? `, restarted ${s.restarts - healthy.restarts} times` : ''})`,
        phase: 'bake',
      };
    const probe = await probeHealth(session, options.port);
    const problem = healthProblem(probe.health, probe.problem, options);
    misses = problem ? misses + 1 : 0;
    if (misses >= 2)
      return { ok: false, reason: `${problem} ${after} after it became healthy`, phase: 'bake' };
  }
  return { ok: true, health: healthy.health, healthyAfterMs, bakedMs: performance.now() - healthy.at };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
