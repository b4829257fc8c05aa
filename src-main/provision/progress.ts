// Progress events: what the CLI's bar, `--json` and the desktop all consume. One event per step transition.
import { asProvisionError, type ErrorSummary, type ProvisionError } from './errors.ts';

export type StepStatus = 'start' | 'ok' | 'fail' | 'skip';

export interface ProgressEvent {
  type: 'step';
  host: string;
  step: string;
  status: StepStatus;
  message: string;
  /** 1-based position of the step in the operation, and how many steps it has (for a progress bar). */
  index: number;
  total: number;
  elapsed_ms?: number;
  detail?: Record<string, unknown>;
  error?: ErrorSummary;
  time: string;
}

export type ProgressListener = (event: ProgressEvent) => void;

/** The step order of each operation (the bar shows index/total; skipped steps still count). */
export const DEPLOY_STEPS = [
  'connect',
  'preflight',
  'lock',
  'inspect',
  'prepare',
  'node',
  'upload',
  'secrets',
  'unit',
  'snapshot',
  'switch',
  'restart',
  'health',
  'prune',
  'unlock',
] as const;
export const ROLLBACK_STEPS = ['connect', 'lock', 'inspect', 'rollback', 'unlock'] as const;
export const UNINSTALL_STEPS = ['connect', 'preflight', 'lock', 'uninstall', 'verify'] as const;
export const STATUS_STEPS = ['connect', 'status'] as const;

/** Reports the steps of one operation on one host; `run` wraps a step so start/ok/fail are never forgotten. */
export class StepReporter {
  constructor(
    readonly host: string,
    private readonly steps: readonly string[],
    private readonly listener: ProgressListener = () => {},
  ) {}

  emit(step: string, status: StepStatus, message: string, extra: Partial<ProgressEvent> = {}): void {
    const found = this.steps.indexOf(step);
    this.listener({
      type: 'step',
      host: this.host,
      step,
      status,
      message,
      index: found >= 0 ? found + 1 : this.steps.length,
      total: this.steps.length,
      time: new Date().toISOString(),
      ...extra,
    });
  }

  /** Reports a failure that happened outside `run` (checks before connecting, cancellation) and returns it. */
  fail(error: unknown, step: string): ProvisionError {
    const failure = asProvisionError(error, step, this.host);
    this.emit(failure.step, 'fail', failure.reason, { error: failure.summary() });
    return failure;
  }

  skip(step: string, message: string): void {
    this.emit(step, 'skip', message);
  }

  /** Runs one step. `fn` may return a message (and detail) for the `ok` event. */
  async run<T>(
    step: string,
    message: string,
    fn: (note: (detail: Record<string, unknown>) => void) => Promise<T>,
    done?: (result: T) => string,
  ): Promise<T> {
    const started = performance.now();
    this.emit(step, 'start', message);
    let detail: Record<string, unknown> | undefined;
    try {
      const result = await fn((d) => {
        detail = { ...detail, ...d };
      });
      const elapsed_ms = Math.round(performance.now() - started);
      this.emit(step, 'ok', done ? done(result) : message, { elapsed_ms, ...(detail ? { detail } : {}) });
      return result;
    } catch (error) {
      const failure = asProvisionError(error, step, this.host);
      const elapsed_ms = Math.round(performance.now() - started);
      this.emit(step, 'fail', failure.reason, { elapsed_ms, error: failure.summary() });
      throw failure;
    }
  }
}
