// Shows progress events: a bar with the step name on a terminal, plain lines in a pipe, JSON lines with --json.

import { errorMessage } from '../../../agent-core/util/error-message.ts';
import { ProvisionError } from '../errors.ts';
import type { ProgressEvent, ProgressListener } from '../progress.ts';

export interface Output {
  listener: ProgressListener;
  /** The final result (JSON line, or the caller's text). */
  result(value: Record<string, unknown>, text?: string): void;
  /** A failure: step, reason and what to do; returns the exit code. */
  fail(error: unknown, command: string): number;
  /** Ends a bar line in progress. */
  done(): void;
}

const MARK = { ok: '✓', skip: '–', fail: '✗', start: '…' } as const;

export function createOutput(o: {
  json: boolean;
  tty: boolean;
  multiHost?: boolean;
  out?: NodeJS.WriteStream;
}): Output {
  const out = o.out ?? process.stdout;
  const err = process.stderr;
  let barShown = false;
  const clearBar = () => {
    if (barShown) {
      out.write('\r\x1b[2K');
      barShown = false;
    }
  };
  const line = (e: ProgressEvent) => {
    const host = o.multiHost ? `${e.host}  ` : '';
    const time = e.elapsed_ms !== undefined && e.status !== 'skip' ? `  (${formatMs(e.elapsed_ms)})` : '';
    return `${MARK[e.status]} ${host}${e.step.padEnd(9)} ${e.message}${time}\n`;
  };
  const listener: ProgressListener = (e) => {
    if (o.json) {
      out.write(`${JSON.stringify(e)}\n`);
      return;
    }
    if (e.status === 'start') {
      if (!o.tty || o.multiHost) return;
      clearBar();
      const width = 20;
      // Within a long step (the rows of a backup or restore), the bar moves with its own progress.
      const filled = Math.round(((e.index - 1 + partOf(e.detail)) / e.total) * width);
      const cols = out.columns || 100;
      const text = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${e.index}/${e.total} ${e.step}: ${e.message}`;
      out.write(text.slice(0, Math.max(20, cols - 1)));
      barShown = true;
      return;
    }
    clearBar();
    out.write(line(e));
  };
  return {
    listener,
    result(value, text) {
      clearBar();
      if (o.json) out.write(`${JSON.stringify({ type: 'result', ok: true, ...value })}\n`);
      else if (text) out.write(`${text}\n`);
    },
    fail(error, command) {
      clearBar();
      if (o.json) {
        const summary =
          error instanceof ProvisionError ? error.summary() : { name: 'Error', reason: errorMessage(error) };
        out.write(`${JSON.stringify({ type: 'result', ok: false, error: summary })}\n`);
      } else if (error instanceof ProvisionError) {
        err.write(
          `mono ${command}: ${error.step} failed${error.host ? ` on ${error.host}` : ''}: ${error.reason}\n  → ${error.hint}\n`,
        );
      } else {
        err.write(`mono ${command}: ${errorMessage(error) ?? error}\n`);
      }
      return 1;
    },
    done: clearBar,
  };
}

/** How far a step is, from its `rows` of `total` (0 when it does not say). */
function partOf(detail: Record<string, unknown> | undefined): number {
  const rows = Number(detail?.rows);
  const total = Number(detail?.total);
  return total > 0 && rows >= 0 ? Math.min(1, rows / total) : 0;
}

export function formatMs(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined) return 'n/a';
  return bytes >= 1048576 ? `${(bytes / 1048576).toFixed(1)} MB` : `${Math.round(bytes / 1024)} kB`;
}
