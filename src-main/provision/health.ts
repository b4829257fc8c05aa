// Health probes: GET /healthz through the SSH tunnel, and waiting until it reports a version (a crash loop fails fast).
import { serviceStateCommand } from './commands/systemd.ts';
import type { Session } from './session.ts';

export interface Health {
  status: string;
  version: string;
  uptime_s?: number;
  db?: string;
  channels?: Record<string, string>;
}

export type HealthOutcome =
  | { ok: true; health: Health; waitedMs: number }
  | { ok: false; last: string; waitedMs: number };

export interface HealthOptions {
  port: number;
  /** The version /healthz must report. */
  version: string;
  timeoutMs: number;
  /** NRestarts right after our restart: more than 2 automatic restarts since means a crash loop. */
  baseRestarts?: number;
  intervalMs?: number;
  signal?: AbortSignal;
}

/** One GET /healthz through the tunnel: the parsed answer, or why there is none. */
export async function probeHealth(
  session: Session,
  port: number,
): Promise<{ health?: Health; problem?: string }> {
  try {
    const res = await session.ssh.httpGet(port, '/healthz', 2000);
    let body: Health | undefined;
    try {
      body = JSON.parse(res.body) as Health;
    } catch {}
    if (res.status !== 200)
      return { health: body, problem: `HTTP ${res.status} ${session.redact(res.body).slice(0, 200)}` };
    if (!body) return { problem: 'HTTP 200 but the body is not JSON' };
    return { health: body };
  } catch (error) {
    const message = (error as Error).message;
    return {
      problem: /connect|refused|open failed/i.test(message)
        ? `nothing listens on 127.0.0.1:${port} yet`
        : message,
    };
  }
}

export async function waitHealthy(session: Session, o: HealthOptions): Promise<HealthOutcome> {
  const started = performance.now();
  const interval = o.intervalMs ?? 200;
  let last = 'no answer yet';
  let lastStateCheck = 0;
  while (performance.now() - started < o.timeoutMs) {
    if (o.signal?.aborted) return { ok: false, last: 'cancelled', waitedMs: performance.now() - started };
    const probe = await probeHealth(session, o.port);
    if (probe.health && !probe.problem) {
      if (probe.health.version === o.version && probe.health.status === 'ok')
        return { ok: true, health: probe.health, waitedMs: performance.now() - started };
      last = `version ${probe.health.version} (status ${probe.health.status}) instead of ${o.version}`;
    } else {
      last = probe.problem ?? last;
    }
    if (performance.now() - lastStateCheck > 1000) {
      lastStateCheck = performance.now();
      const state = (await session.run(serviceStateCommand(), { allowFailure: true })).facts;
      const restarts = Number(state.NRestarts ?? 0) - (o.baseRestarts ?? 0);
      if (restarts >= 3 || state.SubState === 'failed' || state.ActiveState === 'failed')
        return {
          ok: false,
          last: `the agent keeps exiting (exit status ${state.ExecMainStatus ?? '?'}, restarted ${Math.max(0, restarts)} times)`,
          waitedMs: performance.now() - started,
        };
    }
    await new Promise((r) => setTimeout(r, interval));
  }
  return { ok: false, last, waitedMs: performance.now() - started };
}
