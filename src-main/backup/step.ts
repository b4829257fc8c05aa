// Runs a backup or restore step on the provisioning step reporter, so that backup errors (a wrong passphrase, a
// damaged file, data that would be replaced) reach the CLI and the desktop with their reason and what to do.
import { BackupError } from '../../agent-core/backup/errors.ts';
import { ProvisionError } from '../provision/errors.ts';
import type { StepReporter } from '../provision/progress.ts';

/** A backup error in a step: keeps the original's name (BackupFileError, RestoreRefusedError…) and fields. */
export class BackupStepError extends ProvisionError {
  constructor(
    step: string,
    readonly source: BackupError,
    host?: string,
  ) {
    super(step, source.reason, `${source.hint.charAt(0).toUpperCase()}${source.hint.slice(1)}.`, {
      cause: source,
      host,
    });
    this.name = source.name;
  }
}

export function runStep<T>(
  reporter: StepReporter,
  step: string,
  message: string,
  fn: (note: (detail: Record<string, unknown>) => void) => Promise<T>,
  done?: (result: T) => string,
): Promise<T> {
  return reporter.run(
    step,
    message,
    async (note) => {
      try {
        return await fn(note);
      } catch (error) {
        if (error instanceof BackupError) throw new BackupStepError(step, error, reporter.host);
        throw error;
      }
    },
    done,
  );
}
