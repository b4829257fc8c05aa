// `mono rollback`: back to the previous release, held to the same gate as a deploy (healthy, then the bake). If
// the previous release is not healthy, the release that ran before the rollback runs again.
import { armGuardCommand, disarmGuardCommand, guardScript } from './commands/deploy-guard.ts';
import { inspectCommand, toInstalled } from './commands/inspect.ts';
import { connectStep, type Target, targetName } from './connect.ts';
import { HealthCheckError, NotInstalledError, ProvisionError } from './errors.ts';
import { probeHealth } from './health.ts';
import { acquireHostLock, type HeldLock, releaseHostLock } from './host-lock.ts';
import { DEFAULT_HTTP_PORT } from './layout.ts';
import { type ProgressListener, ROLLBACK_STEPS, StepReporter } from './progress.ts';
import { lastLogLines, runStages, type Stage } from './recover.ts';
import { versionOf } from './release.ts';

export interface RollbackOptions {
  target: Target;
  httpPort?: number;
  healthTimeoutMs?: number;
  /** How long the release gone back to must stay healthy (10 s). */
  bakeMs?: number;
  lockTimeoutMs?: number;
  onProgress?: ProgressListener;
}

export interface RollbackResult {
  host: string;
  from: string;
  to: string;
}

export async function rollback(options: RollbackOptions): Promise<RollbackResult> {
  const reporter = new StepReporter(targetName(options.target), ROLLBACK_STEPS, options.onProgress);
  const session = await connectStep(options.target, reporter);
  const port = options.httpPort ?? DEFAULT_HTTP_PORT;
  let lock: HeldLock | undefined;
  try {
    lock = await reporter.run('lock', 'Taking the deploy lock', () =>
      acquireHostLock(session, { timeoutMs: options.lockTimeoutMs }),
    );
    const seen = await reporter.run(
      'inspect',
      'Reading what is installed',
      async () => {
        const inspected = await session.run(inspectCommand());
        const installed = toInstalled(inspected.stdout, inspected.facts);
        if (!installed.current) throw new NotInstalledError('inspect', session.name);
        if (!installed.previous || !installed.releases.includes(installed.previous))
          throw new ProvisionError(
            'inspect',
            `there is no previous release to go back to (current is ${installed.current})`,
            'Deploy the release you want instead.',
            { host: session.name },
          );
        const remote = await session.redactRemoteSecrets('inspect');
        const probe = installed.active === 'active' ? await probeHealth(session, port) : {};
        const healthy = probe.health?.status === 'ok';
        // Going back must serve what runs now (or what the secrets turn on, if nothing healthy runs).
        const channels = healthy
          ? Object.entries(probe.health?.channels ?? {})
              .filter(([, m]) => m !== 'off')
              .map(([c]) => c)
          : remote.channels;
        return { installed, channels, healthy };
      },
      ({ installed }) => `current ${installed.current}, previous ${installed.previous}`,
    );
    const { installed, channels, healthy } = seen;
    const from = installed.current!;
    const to = installed.previous!;
    const settings = { port, timeoutMs: options.healthTimeoutMs ?? 30_000, bakeMs: options.bakeMs ?? 10_000 };
    const stage = (release: string, previous: string): Stage => ({
      release,
      version: release === from && installed.currentVersion ? installed.currentVersion : versionOf(release),
      previous,
      oldConfig: false,
      restoreData: false,
      channels,
    });
    // Cut off while going back, the VPS decides alone, as for a deploy: keep `to` if it is stable, else `from`.
    const held = lock;
    await session.run(armGuardCommand(60 + (settings.timeoutMs + settings.bakeMs) / 1000 + 30), {
      stdin: guardScript({
        release: to,
        version: stage(to, from).version,
        back: stage(from, to),
        port,
        stableS: settings.bakeMs / 1000,
        lockToken: held.token,
      }),
    });
    // From a healthy release the switch is a hand-over (nothing but the release changes); else a restart.
    const there = await runStages(session, reporter, [{ ...stage(to, from), handOver: healthy }], settings);
    await session.run(disarmGuardCommand());
    if (there.ok) return { host: reporter.host, from, to };
    // The previous release is not healthy: the one that ran before the rollback comes back.
    const logTail = await lastLogLines(session);
    const back = await runStages(session, reporter, [stage(from, to)], settings);
    throw new HealthCheckError(
      to,
      (there.reasons[0] ?? 'is not healthy').replace(`${to} `, ''),
      logTail,
      back.ok
        ? { kind: 'switched-back', to: from, oldConfig: false, dataRestored: false }
        : { kind: 'nothing-healthy', tried: [...there.tried, ...back.tried] },
      session.name,
    );
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
