// `mono uninstall`: remove the agent, its data, secrets, user and unit from a VPS, and check nothing is left.
import { uninstallCommand, verifyUninstalledCommand } from './commands/uninstall.ts';
import { connectStep, preflightStep, type Target, targetName } from './connect.ts';
import { ProvisionError } from './errors.ts';
import { acquireHostLock } from './host-lock.ts';
import { type ProgressListener, StepReporter, UNINSTALL_STEPS } from './progress.ts';

export async function uninstall(options: {
  target: Target;
  lockTimeoutMs?: number;
  onProgress?: ProgressListener;
}): Promise<{ host: string }> {
  const reporter = new StepReporter(targetName(options.target), UNINSTALL_STEPS, options.onProgress);
  const session = await connectStep(options.target, reporter);
  try {
    await preflightStep(session, reporter).catch((error) => {
      // An unsupported OS must not block removing what is there; missing sudo must.
      if (error instanceof ProvisionError && error.name === 'PreflightError') return undefined;
      throw error;
    });
    await reporter.run('lock', 'Taking the deploy lock', () =>
      acquireHostLock(session, { timeoutMs: options.lockTimeoutMs }),
    );
    await reporter.run('uninstall', 'Stopping the agent and removing MONO', () =>
      session.run(uninstallCommand()),
    );
    await reporter.run(
      'verify',
      'Checking that nothing is left',
      async () => {
        const verified = await session.run(verifyUninstalledCommand());
        const left = verified.stdout
          .split('\n')
          .filter((l) => l.startsWith('left='))
          .map((l) => l.slice(5));
        if (left.length)
          throw new ProvisionError(
            'verify',
            `still on the VPS: ${left.join(', ')}`,
            'Remove them by hand or run uninstall again.',
            { host: session.name },
          );
      },
      () => 'Nothing of MONO is left on the VPS',
    );
    return { host: reporter.host };
  } finally {
    session.close();
  }
}
