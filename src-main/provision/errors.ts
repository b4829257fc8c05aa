// Named provisioning errors: each says which step failed, why, and what the user can do about it.

export interface ErrorSummary {
  name: string;
  step: string;
  reason: string;
  hint: string;
  host?: string;
  /** For a refused host key: what was presented, and what MONO pinned or the operator expected. */
  host_key?: { kind: string; fingerprint: string; known?: string };
  /** For a command that did not finish in time: what was running, and the limit. */
  timeout?: { what: string; seconds: number };
}

export class ProvisionError extends Error {
  override name = 'ProvisionError';
  readonly step: string;
  readonly reason: string;
  readonly hint: string;
  host?: string;

  constructor(step: string, reason: string, hint: string, options: { cause?: unknown; host?: string } = {}) {
    super(`${step} failed: ${reason}${hint ? `. ${hint}` : ''}`, { cause: options.cause });
    this.step = step;
    this.reason = reason;
    this.hint = hint;
    this.host = options.host;
  }

  summary(): ErrorSummary {
    return { name: this.name, step: this.step, reason: this.reason, hint: this.hint, host: this.host };
  }
}

export type SshFailure = 'unreachable' | 'refused' | 'timeout' | 'auth' | 'key' | 'disconnected';

export class SshError extends ProvisionError {
  override name = 'SshError';
  constructor(
    readonly code: SshFailure,
    reason: string,
    hint: string,
    options: { cause?: unknown; host?: string } = {},
  ) {
    super('connect', reason, hint, options);
  }
}

export class HostKeyError extends ProvisionError {
  override name = 'HostKeyError';
  constructor(
    /** unknown: never seen (nothing pinned); changed: differs from the pinned key; mismatch: not the expected one. */
    readonly kind: 'unknown' | 'changed' | 'mismatch',
    /** The fingerprint the server presented (SHA256:…, as ssh-keygen -lf prints it). */
    readonly fingerprint: string,
    /** The pinned (changed) or expected (mismatch) fingerprint. */
    readonly knownFingerprint: string | undefined,
    reason: string,
    hint: string,
    host?: string,
  ) {
    super('connect', reason, hint, { host });
  }

  override summary(): ErrorSummary {
    return {
      ...super.summary(),
      host_key: {
        kind: this.kind,
        fingerprint: this.fingerprint,
        ...(this.knownFingerprint && { known: this.knownFingerprint }),
      },
    };
  }
}

/** A remote command that did not finish in time: it was stopped, and the step failed saying what was running. */
export class CommandTimeoutError extends ProvisionError {
  override name = 'CommandTimeoutError';
  constructor(
    step: string,
    /** What was running, in words (e.g. "downloading Node v20.20.2 (curl)"). */
    readonly what: string,
    readonly timeoutMs: number,
    hint: string,
    host?: string,
  ) {
    super(step, `${what} did not finish within ${Math.round(timeoutMs / 1000)} s and was stopped`, hint, {
      host,
    });
  }

  override summary(): ErrorSummary {
    return { ...super.summary(), timeout: { what: this.what, seconds: Math.round(this.timeoutMs / 1000) } };
  }
}

export class PreflightError extends ProvisionError {
  override name = 'PreflightError';
  constructor(
    readonly problems: { reason: string; hint: string }[],
    host?: string,
  ) {
    super('preflight', problems.map((p) => p.reason).join('; '), problems.map((p) => p.hint).join(' '), {
      host,
    });
  }
}

export class LockedError extends ProvisionError {
  override name = 'LockedError';
  constructor(
    readonly owner: string,
    readonly since: Date | undefined,
    host?: string,
  ) {
    super(
      'lock',
      `another deploy holds the lock on this host (${owner}${since ? `, since ${since.toISOString()}` : ''})`,
      'Wait for it to finish and run the command again (or pass --lock-timeout SECONDS to wait). A lock left by a crashed deploy is taken over automatically after 10 minutes.',
      { host },
    );
  }
}

export class RemoteCommandError extends ProvisionError {
  override name = 'RemoteCommandError';
  constructor(
    step: string,
    readonly exitCode: number | null,
    readonly output: string,
    hint: string,
    host?: string,
  ) {
    super(step, `the command on the VPS exited with ${exitCode}${output ? `: ${output}` : ''}`, hint, {
      host,
    });
  }
}

export class HealthCheckError extends ProvisionError {
  override name = 'HealthCheckError';
  constructor(
    readonly version: string,
    readonly lastResult: string,
    readonly logTail: string[],
    /** What happened after the failure: the previous release runs again, the agent was stopped, or neither. */
    readonly rollback:
      | { kind: 'switched-back'; to: string }
      | { kind: 'stopped' }
      | { kind: 'failed'; to?: string },
    host?: string,
  ) {
    super(
      'health',
      `release ${version} did not report healthy in time (last answer: ${lastResult})` +
        (rollback.kind === 'switched-back' ? `; switched back to ${rollback.to}` : '') +
        (logTail.length ? `\nlast log lines:\n  ${logTail.join('\n  ')}` : ''),
      rollback.kind === 'switched-back'
        ? 'The previous release is running again. Fix the cause shown in the log lines and deploy again.'
        : rollback.kind === 'stopped'
          ? 'The agent is stopped. Fix the cause shown in the log lines (often a missing or wrong setting in the env file) and deploy again.'
          : `Going back to ${'to' in rollback && rollback.to ? rollback.to : 'the previous release'} failed too: check "mono status" and "mono logs", then deploy a release that works.`,
      { host },
    );
  }

  /** The release running again after the failure, if the automatic rollback worked. */
  get rolledBackTo(): string | undefined {
    return this.rollback.kind === 'switched-back' ? this.rollback.to : undefined;
  }
}

export class NotInstalledError extends ProvisionError {
  override name = 'NotInstalledError';
  constructor(step: string, host?: string) {
    super(step, 'MONO is not installed on this host', 'Run "mono deploy" first.', { host });
  }
}

/** Any thrown value as a ProvisionError of the step it happened in. */
export function asProvisionError(error: unknown, step: string, host?: string): ProvisionError {
  if (error instanceof ProvisionError) {
    error.host ??= host;
    return error;
  }
  const reason = error instanceof Error ? error.message : String(error);
  return new ProvisionError(
    step,
    reason,
    'This looks like a bug in MONO; please report it with the output above.',
    {
      cause: error,
      host,
    },
  );
}
