// Runs the release's `mono-agent backup|restore` over SSH: its binary output as a stream, its JSON lines as values,
// and its failures as errors that say what to do.
import { PassThrough, type Readable } from 'node:stream';
import {
  BackupError,
  BackupFileError,
  type BackupFileProblem,
  RestoreRefusedError,
} from '../../agent-core/backup/errors.ts';
import type { RemoteCommand } from '../provision/commands/remote.ts';
import { ProvisionError } from '../provision/errors.ts';
import { isSudoRefusal, noSudoError, type Session } from '../provision/session.ts';
import { AGENT_COMMAND_EXIT } from './commands.ts';

/** A JSON line of `mono-agent backup|restore` (progress, summary, result, error). */
export type AgentLine = { type: string } & Record<string, unknown>;

/** The error a failed agent command reported (its JSON error line), or one made from its exit code and stderr. */
export function agentCommandError(
  session: Session,
  command: RemoteCommand,
  code: number | null,
  stderr: string,
  reported?: AgentLine,
): Error {
  if (command.root && !session.ssh.isRoot && isSudoRefusal(stderr))
    return noSudoError(session.ssh.username, command.step, session.name);
  if (code === AGENT_COMMAND_EXIT.notInstalled)
    return new ProvisionError(command.step, 'MONO is not installed on this VPS', 'Run "mono deploy" first.', {
      host: session.name,
    });
  if (code === AGENT_COMMAND_EXIT.tooOld)
    return new ProvisionError(
      command.step,
      `the agent release on this VPS cannot ${command.step === 'restore' ? 'restore' : 'make'} backups yet`,
      'Update it with "mono deploy", then run this again.',
      { host: session.name },
    );
  if (reported?.type === 'error') return reportedError(reported);
  return new ProvisionError(
    command.step,
    `the command on the VPS exited with ${code}${stderr.trim() ? `: ${session.redact(stderr.trim()).slice(-800)}` : ''}`,
    'Check "mono status" and "mono logs", then run this again.',
    { host: session.name },
  );
}

/** The error an agent command reported on its JSON error line, as the class it was thrown as where there is one. */
export function reportedError(line: AgentLine): Error {
  const reason = String(line.reason ?? line.message);
  if (line.name === 'BackupFileError') return new BackupFileError(line.problem as BackupFileProblem, reason);
  if (line.name === 'RestoreRefusedError')
    return new RestoreRefusedError(line.counts as Record<string, number>);
  const error =
    typeof line.hint === 'string' ? new BackupError(reason, line.hint) : new Error(String(line.message));
  error.name = String(line.name ?? 'Error');
  return error;
}

/** JSON lines from a text stream, each handed over once complete; other lines are ignored. */
export function jsonLines(onLine: (line: AgentLine) => void): (chunk: Buffer) => void {
  let partial = '';
  return (chunk) => {
    partial += chunk.toString('utf8');
    let newline = partial.indexOf('\n');
    while (newline >= 0) {
      const text = partial.slice(0, newline);
      partial = partial.slice(newline + 1);
      newline = partial.indexOf('\n');
      try {
        const value = JSON.parse(text) as AgentLine;
        if (value && typeof value.type === 'string') onLine(value);
      } catch {}
    }
  };
}

/** Overrides of a streamed command's own limits (a test that wants a hang found in seconds). */
export interface StreamLimits {
  /** The whole run, in ms. */
  timeoutMs?: number;
  /** The longest wait for any output, in ms. */
  stallMs?: number;
}

/**
 * Starts a command whose stdout is binary (a backup file) and returns it as a stream; `done` settles with the exit
 * code and stderr once the command has ended. Stderr's JSON lines go to `onLine` as they come. A command that runs
 * past its limit or goes silent too long is stopped: `done` rejects with a CommandTimeoutError and the stream
 * ends with it.
 */
export function streamCommand(
  session: Session,
  command: RemoteCommand,
  o: { onLine?: (line: AgentLine) => void; signal?: AbortSignal; limits?: StreamLimits; hint?: string },
): { stdout: Readable; done: Promise<{ code: number | null; stderr: string; reported?: AgentLine }> } {
  const stdout = new PassThrough();
  let stderr = '';
  let reported: AgentLine | undefined;
  const lines = jsonLines((line) => {
    if (line.type === 'error') reported = line;
    o.onLine?.(line);
  });
  const done = session
    .streamRaw(command, {
      onStdout: (chunk) => stdout.write(chunk),
      onStderr: (chunk) => {
        if (stderr.length < 16_384) stderr += chunk.toString('utf8');
        lines(chunk);
      },
      signal: o.signal,
      ...o.limits,
      hint:
        o.hint ??
        'Check the VPS over SSH (is it overloaded, out of memory or disk? "uptime", "free -m", "df -h"), then run it again.',
    })
    .then(
      ({ code }) => {
        stdout.end();
        return { code, stderr: session.redact(stderr), ...(reported ? { reported } : {}) };
      },
      (error: Error) => {
        stdout.destroy(error);
        throw error;
      },
    );
  done.catch(() => {});
  return { stdout, done };
}
