// Runs the real `mono` command (src-main/cli/bin.js) as a child process, as a user would.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { REPO } from './harness.ts';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout's JSON lines (with --json). */
  events: Record<string, unknown>[];
}

export function runMono(
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = 120_000,
  /** Another `mono` (a checkout's own src-main/cli/bin.js). */
  bin = join(REPO, 'src-main/cli/bin.js'),
): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { env: { ...process.env, ...env }, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error
          ? typeof (error as { code?: unknown }).code === 'number'
            ? (error as { code: number }).code
            : 1
          : 0;
        const events = String(stdout)
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l) as Record<string, unknown>);
        resolve({ code, stdout: String(stdout), stderr: String(stderr), events });
      },
    );
  });
}
