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

export async function logs(o: LogsOptions): Promise<void> {
  const reporter = new StepReporter(targetName(o.target), ['connect', 'logs'], o.onProgress);
  const session = await connectStep(o.target, reporter);
  try {
    await session.redactRemoteSecrets('logs');
    reporter.emit(
      'logs',
      'start',
      o.follow ? 'Following the journal (Ctrl-C to stop)' : 'Reading the journal',
    );
    const r = await session.stream(journalCommand({ lines: o.lines ?? 200, follow: o.follow }), {
      onText: o.onData,
      signal: o.signal,
    });
    if (r.code !== 0 && !o.signal?.aborted && r.stderr.trim()) {
      const error = new ProvisionError(
        'logs',
        `journalctl failed: ${r.stderr.trim()}`,
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
