// `mono logs`: the agent's journal from the VPS, once or followed until the caller aborts.
import { journalCommand } from './commands/systemd.ts';
import { connectStep, type Target, targetName } from './connect.ts';
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
    reporter.emit(
      'logs',
      'start',
      o.follow ? 'Following the journal (Ctrl-C to stop)' : 'Reading the journal',
    );
    const r = await session.run(journalCommand({ lines: o.lines ?? 200, follow: o.follow }), {
      signal: o.signal,
      allowFailure: true,
      onStdout: (chunk) => o.onData(session.redact(chunk.toString('utf8'))),
    });
    if (r.code !== 0 && !o.signal?.aborted && r.stderr.trim()) {
      reporter.emit('logs', 'fail', r.stderr.trim());
      throw new Error(r.stderr.trim());
    }
    reporter.emit('logs', 'ok', 'done');
  } finally {
    session.close();
  }
}
