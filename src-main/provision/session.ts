// One connected host: runs RemoteCommands through the SSH executor as root (sudo when needed), redacting secrets.
import type { Readable } from 'node:stream';
import { redact, Secret } from '../../agent-core/config/secret.ts';
import { type ConnectOptions, SshExecutor } from '../ssh/executor.ts';
import {
  commandLine,
  DEFAULT_TIMEOUT_S,
  parseFacts,
  type RemoteCommand,
  TIMEOUT_EXIT,
} from './commands/remote.ts';
import { readSecretsCommand } from './commands/secrets.ts';
import { readRemoteEnv } from './env-file.ts';
import { CommandTimeoutError, ProvisionError, RemoteCommandError } from './errors.ts';

export interface RunResult {
  stdout: string;
  stderr: string;
  code: number | null;
  facts: Record<string, string>;
}

export interface RunOptions {
  stdin?: string | Buffer | Secret | Readable;
  /** Resolve with the result instead of throwing on a non-zero exit. */
  allowFailure?: boolean;
  /** What the user should do when this command fails. */
  hint?: string;
  signal?: AbortSignal;
  onStdout?: (chunk: Buffer) => void;
  /** Overrides the command's own limit (an upload's grows with its size). */
  timeoutMs?: number;
}

const RETRY_HINT =
  'Check the VPS over SSH (is it overloaded, out of memory or disk? "uptime", "free -m", "df -h"), then run the same command again: the deploy lock is released, so a retry can start at once.';

/** The SSH side waits this much longer than the limit given to `timeout` on the VPS, which stops the command. */
const LOCAL_GRACE_MS = 10_000;

export class Session {
  readonly secrets: Secret[] = [];
  /** Per-step limits in ms that replace the commands' own (a slow link, or a test that wants a hang fast). */
  timeouts: Partial<Record<string, number>> = {};

  constructor(
    readonly ssh: SshExecutor,
    /** How the host is named in events and errors (user@host:port). */
    readonly name: string,
  ) {}

  static async open(target: ConnectOptions, name: string): Promise<Session> {
    return new Session(await SshExecutor.connect(target), name);
  }

  /** Marks values that must never appear in anything this session reports. */
  addSecrets(values: Iterable<string>): void {
    for (const v of values) if (v.length >= 4) this.secrets.push(new Secret(v));
  }

  /**
   * Adds the values of the secrets file already on the VPS to the redaction list, so the agent's journal never
   * shows a token even when this command was not given the env file (a library's error quoting a URL, say).
   * Returns the channels that file turns on.
   */
  async redactRemoteSecrets(step: string): Promise<{ channels: string[] }> {
    const secrets = await this.run(readSecretsCommand(step), { allowFailure: true });
    if (secrets.code !== 0) return { channels: [] };
    const env = readRemoteEnv(secrets.stdout);
    this.addSecrets(env.values);
    return { channels: env.channels };
  }

  redact(text: string): string {
    return redact(text, this.secrets);
  }

  /** How long a command may run: the caller's override, this session's for its step, else the command's own. */
  limitMs(command: RemoteCommand, override?: number): number {
    return override ?? this.timeouts[command.step] ?? (command.timeoutS ?? DEFAULT_TIMEOUT_S) * 1000;
  }

  async run(command: RemoteCommand, options: RunOptions = {}): Promise<RunResult> {
    const stdin = options.stdin instanceof Secret ? options.stdin.reveal() : options.stdin;
    const limitMs = this.limitMs(command, options.timeoutMs);
    const result = await this.ssh.exec(commandLine(command, this.ssh.isRoot, limitMs / 1000), {
      stdin,
      signal: options.signal,
      onStdout: options.onStdout,
      timeoutMs: limitMs + LOCAL_GRACE_MS,
    });
    if (result.timedOut || (TIMEOUT_EXIT as readonly (number | null)[]).includes(result.code))
      throw this.timeoutError(command, limitMs, false, RETRY_HINT);
    const stdout = this.redact(result.stdout);
    const stderr = this.redact(result.stderr);
    if (result.code !== 0 && !options.allowFailure) {
      if (command.root && !this.ssh.isRoot && isSudoRefusal(stderr))
        throw noSudoError(this.ssh.username, command.step, this.name);
      const output = tail(stderr.trim() || stdout.trim(), 8);
      throw new RemoteCommandError(
        command.step,
        result.code,
        output,
        options.hint ??
          'Run the command again; if it keeps failing, check the VPS (disk space, "journalctl -xe").',
        this.name,
      );
    }
    return { stdout, stderr, code: result.code, facts: parseFacts(stdout) };
  }

  /**
   * Runs a command whose output is handed over as it comes and not kept (a backup file, the journal). It is
   * stopped after its limit, or after `stallMs` without any output, and then throws a CommandTimeoutError; a
   * command without `timeoutS` (journalctl -f) runs until the signal aborts. Output is not redacted here.
   */
  async streamRaw(
    command: RemoteCommand,
    o: {
      onStdout: (chunk: Buffer) => void;
      onStderr?: (chunk: Buffer) => void;
      signal?: AbortSignal;
      /** Overrides the command's own limits (a test that wants a hang found fast). */
      timeoutMs?: number;
      stallMs?: number;
      /** What the user should try when it is stopped. */
      hint?: string;
    },
  ): Promise<{ code: number | null }> {
    const bounded = command.timeoutS !== undefined || o.timeoutMs !== undefined;
    const limitMs = bounded ? this.limitMs(command, o.timeoutMs) : undefined;
    const stallMs = o.stallMs ?? (command.stallS !== undefined ? command.stallS * 1000 : undefined);
    const streamed = await this.ssh.stream(commandLine(command, this.ssh.isRoot, limitMs && limitMs / 1000), {
      onStdout: o.onStdout,
      onStderr: o.onStderr,
      signal: o.signal,
      ...(limitMs !== undefined && { timeoutMs: limitMs + LOCAL_GRACE_MS }),
      ...(stallMs !== undefined && { stallMs }),
    });
    const hint = o.hint ?? RETRY_HINT;
    if (streamed.timedOut === 'stall') throw this.timeoutError(command, stallMs!, true, hint);
    if (
      limitMs !== undefined &&
      (streamed.timedOut || (TIMEOUT_EXIT as readonly (number | null)[]).includes(streamed.code))
    )
      throw this.timeoutError(command, limitMs, false, hint);
    return { code: streamed.code };
  }

  /** Streams a command's output as text, redacted line by line, without keeping it (`mono logs`). */
  async stream(
    command: RemoteCommand,
    output: { onText: (text: string) => void; signal?: AbortSignal },
  ): Promise<{ code: number | null; stderr: string }> {
    // Whole lines only: a secret split across two SSH packets would slip past the redaction.
    let partial = '';
    let stderr = '';
    const emit = (text: string, flush: boolean) => {
      const all = partial + text;
      const cut = flush ? all.length : all.lastIndexOf('\n') + 1;
      partial = all.slice(cut);
      if (cut > 0) output.onText(this.redact(all.slice(0, cut)));
    };
    const streamed = await this.streamRaw(command, {
      onStdout: (c) => emit(c.toString('utf8'), false),
      onStderr: (c) => {
        if (stderr.length < 4096) stderr += c.toString('utf8');
      },
      signal: output.signal,
      hint: 'Check that the VPS is not overloaded ("uptime", "free -m", "df -h" over SSH), then run it again.',
    });
    emit('', true);
    stderr = this.redact(stderr);
    if (streamed.code !== 0 && command.root && !this.ssh.isRoot && isSudoRefusal(stderr))
      throw noSudoError(this.ssh.username, command.step, this.name);
    return { code: streamed.code, stderr };
  }

  /** The error for a command stopped at its limit (or, `stalled`, after going silent), saying what ran. */
  timeoutError(command: RemoteCommand, ms: number, stalled: boolean, hint: string): CommandTimeoutError {
    return new CommandTimeoutError(
      command.step,
      command.what ?? `the ${command.step} command`,
      ms,
      hint,
      this.name,
      stalled,
    );
  }

  close(): void {
    this.ssh.close();
  }
}

/** What sudo prints when it will not run a command without a person typing a password (or is missing). */
const SUDO_REFUSALS = [
  /sudo: a password is required/i,
  /sudo: a terminal is required/i,
  /sudo: sorry, you must have a tty/i,
  /is not in the sudoers file/i,
  /is not allowed to run sudo/i,
  /sudo: (command )?not found/i,
];

export function isSudoRefusal(stderr: string): boolean {
  return SUDO_REFUSALS.some((re) => re.test(stderr));
}

export function noSudoError(user: string, step: string, host?: string): ProvisionError {
  return new ProvisionError(
    step,
    `the user ${user} cannot run commands as root without a password (sudo -n refused)`,
    `Connect as root, or allow ${user} passwordless sudo on the VPS (echo '${user} ALL=(ALL) NOPASSWD:ALL' > /etc/sudoers.d/mono).`,
    { host },
  );
}

function tail(text: string, lines: number): string {
  return text.split('\n').slice(-lines).join('\n');
}
