// "Test connection" for the desktop's wizard: connect (pinning the host key) and run the preflight, nothing else.

import type { HostKey } from '../ssh/known-hosts.ts';
import type { PreflightFacts } from './commands/preflight.ts';
import { connectStep, preflightStep, type Target, targetName } from './connect.ts';
import { asProvisionError, type ErrorSummary } from './errors.ts';
import { type ProgressListener, StepReporter } from './progress.ts';

export interface HostCheck {
  host: string;
  ok: boolean;
  hostKey?: HostKey;
  facts?: PreflightFacts;
  /** The step that failed, why, and what to do. */
  error?: ErrorSummary;
}

/** Never throws: an unreachable host, a wrong key or an unsupported OS is a result the wizard shows. */
export async function checkHost(options: {
  target: Target;
  onProgress?: ProgressListener;
}): Promise<HostCheck> {
  const reporter = new StepReporter(targetName(options.target), ['connect', 'preflight'], options.onProgress);
  const result: HostCheck = { host: reporter.host, ok: false };
  try {
    const session = await connectStep(options.target, reporter);
    result.hostKey = session.ssh.hostKey;
    try {
      result.facts = await preflightStep(session, reporter);
      result.ok = true;
    } finally {
      session.close();
    }
  } catch (error) {
    result.error = asProvisionError(error, 'connect', reporter.host).summary();
  }
  return result;
}
