// The health gate after a switch: the new release must report healthy in time, otherwise the previous one is
// switched back and restarted (or, on a first install, the agent is stopped) and the deploy fails with the logs.
import { removeReleaseCommand, switchCommand } from './commands/release.ts';
import { journalCommand, restartCommand, stopCommand } from './commands/systemd.ts';
import { HealthCheckError, ProvisionError } from './errors.ts';
import { type Health, waitHealthy } from './health.ts';
import type { StepReporter } from './progress.ts';
import type { Session } from './session.ts';

export interface GateOptions {
  version: string;
  port: number;
  timeoutMs: number;
  /** NRestarts right after the restart (a crash loop fails the gate early). */
  baseRestarts: number;
  /** The release to go back to, if any. */
  previous: string | undefined;
  /** What `previous` should point at after going back. */
  before: string | undefined;
}

export async function healthGate(session: Session, reporter: StepReporter, o: GateOptions): Promise<Health> {
  return reporter.run(
    'health',
    `Waiting for /healthz to report ${o.version}`,
    async (note) => {
      const h = await waitHealthy(session, {
        port: o.port,
        version: o.version,
        timeoutMs: o.timeoutMs,
        baseRestarts: o.baseRestarts,
      });
      note({ waited_ms: Math.round(h.waitedMs) });
      if (h.ok) return h.health;
      const logTail = await lastLogLines(session);
      const rollback = await rollBack(session, reporter, o);
      throw new HealthCheckError(o.version, h.last, logTail, rollback, session.name);
    },
    (h) => `Healthy: ${h.version}, db ${h.db ?? '?'}, telegram ${h.channels?.telegram ?? '?'}`,
  );
}

async function rollBack(
  session: Session,
  reporter: StepReporter,
  o: GateOptions,
): Promise<HealthCheckError['rollback']> {
  const to = o.previous;
  if (!to) {
    // A first install that never got healthy: stop it and leave no broken release behind as `current`.
    const stopped = await reporter
      .run(
        'rollback',
        'No previous release: stopping the agent and removing the failed release',
        async () => {
          await session.run(stopCommand());
          await session.run(removeReleaseCommand(o.version, { unsetCurrent: true }));
        },
      )
      .then(
        () => true,
        () => false,
      );
    return stopped ? { kind: 'stopped' } : { kind: 'failed' };
  }
  try {
    await reporter.run('rollback', `Switching back to ${to}`, async () => {
      await session.run(switchCommand({ current: to, previous: o.before }));
      const r = await session.run(restartCommand());
      const back = await waitHealthy(session, {
        port: o.port,
        version: to,
        timeoutMs: o.timeoutMs,
        baseRestarts: Number(r.facts.NRestarts ?? 0),
      });
      if (!back.ok)
        throw new ProvisionError(
          'rollback',
          `the previous release ${to} is not healthy either (${back.last})`,
          `Check "mono logs ${session.name}".`,
        );
      // The failed release goes, so `mono rollback` can never pick it.
      await session.run(removeReleaseCommand(o.version));
    });
    return { kind: 'switched-back', to };
  } catch {
    return { kind: 'failed', to };
  }
}

async function lastLogLines(session: Session): Promise<string[]> {
  const r = await session.run(journalCommand({ lines: 15, plain: true }), { allowFailure: true });
  return r.stdout.split('\n').filter(Boolean).slice(-15);
}
