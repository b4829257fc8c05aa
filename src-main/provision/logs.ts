// `mono logs`: the agent's journal from the VPS, once or followed until the caller aborts.
import { journalCommand } from './commands/systemd.ts';
import { connectStep, type Target, targetName } from './connect.ts';
import { ProvisionError } from './errors.ts';
import { type ProgressListener, StepReporter } from './progress.ts';

export interface LogsOptions {
  target: Target;
  lines?: number;
  follow?: boolean;
  /** Receives the journal text as it arrives. */
  onData: (text: string) => void;
  signal?: AbortSignal;
  onProgress?: ProgressListener;
}

export async function logs(options: LogsOptions): Promise<void> {
  const reporter = new StepReporter(targetName(options.target), ['connect', 'logs'], options.onProgress);
  const session = await connectStep(options.target, reporter);
  try {
    await session.redactRemoteSecrets('logs');
    reporter.emit(
      'logs',
      'start',
      options.follow ? 'Following the journal (Ctrl-C to stop)' : 'Reading the journal',
    );
    const journal = await session.stream(
      journalCommand({ lines: options.lines ?? 200, follow: options.follow }),
      {
        onText: options.onData,
        signal: options.signal,
      },
    );
    if (journal.code !== 0 && !options.signal?.aborted && journal.stderr.trim()) {
      const error = new ProvisionError(
        'logs',
        `journalctl failed: ${journal.stderr.trim()}`,
        'Check that the VPS runs systemd-journald.',
        {
          host: session.name,
        },
      );
      reporter.emit('logs', 'fail', error.reason, { error: error.summary() });
      throw error;
    }
    reporter.emit('logs', 'ok', 'done');
  } finally {
    session.close();
  }
}
