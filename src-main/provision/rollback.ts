// `mono rollback`: switch a VPS back to its previous release, restart, and hold it to the same health gate.
import { inspectCommand, toInstalled } from './commands/inspect.ts';
import { switchCommand } from './commands/release.ts';
import { restartCommand } from './commands/systemd.ts';
import { connectStep, type Target, targetName } from './connect.ts';
import { NotInstalledError, ProvisionError } from './errors.ts';
import { waitHealthy } from './health.ts';
import { acquireHostLock, type HeldLock, releaseHostLock } from './host-lock.ts';
import { DEFAULT_HTTP_PORT } from './layout.ts';
import { type ProgressListener, ROLLBACK_STEPS, StepReporter } from './progress.ts';

export interface RollbackOptions {
  target: Target;
  httpPort?: number;
  healthTimeoutMs?: number;
  lockTimeoutMs?: number;
  onProgress?: ProgressListener;
}

export interface RollbackResult {
  host: string;
  from: string;
  to: string;
}

export async function rollback(o: RollbackOptions): Promise<RollbackResult> {
  const reporter = new StepReporter(targetName(o.target), ROLLBACK_STEPS, o.onProgress);
  const session = await connectStep(o.target, reporter);
  let lock: HeldLock | undefined;
  try {
    lock = await reporter.run('lock', 'Taking the deploy lock', () =>
      acquireHostLock(session, { timeoutMs: o.lockTimeoutMs }),
    );
    const installed = await reporter.run(
      'inspect',
      'Reading what is installed',
      async () => {
        const r = await session.run(inspectCommand());
        const i = toInstalled(r.stdout, r.facts);
        if (!i.current) throw new NotInstalledError('inspect', session.name);
        if (!i.previous || !i.releases.includes(i.previous))
          throw new ProvisionError(
            'inspect',
            `there is no previous release to go back to (current is ${i.current})`,
            'Deploy the release you want instead.',
            { host: session.name },
          );
        return i;
      },
      (i) => `current ${i.current}, previous ${i.previous}`,
    );
    const from = installed.current!;
    const to = installed.previous!;
    await reporter.run('switch', `Switching current → ${to}`, () =>
      session.run(switchCommand({ current: to, previous: from })),
    );
    const base = await reporter.run('restart', 'Restarting the agent', async () =>
      Number((await session.run(restartCommand())).facts.NRestarts ?? 0),
    );
    await reporter.run('health', `Waiting for /healthz to report ${to}`, async () => {
      const h = await waitHealthy(session, {
        port: o.httpPort ?? DEFAULT_HTTP_PORT,
        version: to,
        timeoutMs: o.healthTimeoutMs ?? 30_000,
        baseRestarts: base,
      });
      if (!h.ok)
        throw new ProvisionError(
          'health',
          `release ${to} is not healthy (${h.last})`,
          `Check "mono logs ${session.name}", then deploy a fixed release.`,
          { host: session.name },
        );
    });
    return { host: reporter.host, from, to };
  } finally {
    if (lock) {
      const held = lock;
      await reporter
        .run('unlock', 'Releasing the deploy lock', () => releaseHostLock(session, held))
        .catch(() => {});
    }
    session.close();
  }
}
