// Named provisioning errors: each says which step failed, why, and what the user can do about it.
import { errorMessage } from '../../agent-core/util/error-message.ts';

export interface ErrorSummary {
  name: string;
  step: string;
  reason: string;
  hint: string;
  host?: string;
  /** For a refused host key: what was presented, and what MONO pinned or the operator expected. */
  host_key?: { kind: string; fingerprint: string; known?: string };
  /** For a command that did not finish in time: what was running, and the limit. */
  timeout?: { what: string; seconds: number; stalled?: boolean };
  /** For a failed release: what failed, its last log lines (redacted), and where the host was left. */
  failure?: string;
  log_tail?: string[];
  rollback?: RecoveryOutcome;
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

/**
 * A remote command that did not finish in time, or (`stalled`) went silent for too long: it was stopped, and the
 * step failed saying what was running.
 */
export class CommandTimeoutError extends ProvisionError {
  override name = 'CommandTimeoutError';
  constructor(
    step: string,
    /** What was running, in words (e.g. "downloading Node v20.20.2 (curl)"). */
    readonly what: string,
    readonly timeoutMs: number,
    hint: string,
    host?: string,
    /** It sent no output for `timeoutMs` (a streamed command), rather than running past its whole limit. */
    readonly stalled = false,
  ) {
    super(
      step,
      stalled
        ? `${what} sent nothing for ${Math.round(timeoutMs / 1000)} s and was stopped`
        : `${what} did not finish within ${Math.round(timeoutMs / 1000)} s and was stopped`,
      hint,
      { host },
    );
  }

  override summary(): ErrorSummary {
    return {
      ...super.summary(),
      timeout: {
        what: this.what,
        seconds: Math.round(this.timeoutMs / 1000),
        ...(this.stalled && { stalled: true }),
      },
    };
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

/** Where a failed deploy or rollback left the host. */
export type RecoveryOutcome =
  /** A release runs again, enabled and healthy. */
  | { kind: 'switched-back'; to: string; oldConfig: boolean; dataRestored: boolean }
  /** A first install with nothing to return to: the agent is stopped and disabled. */
  | { kind: 'stopped' }
  /** The release and settings were already installed like this: nothing else to return to, left as they were. */
  | { kind: 'left' }
  /** Nothing could be brought back healthy: the unit stays enabled, so a reboot tries again. */
  | { kind: 'nothing-healthy'; tried: string[] };

/** A release that did not start, never became healthy, or did not stay healthy — and what happened after. */
export class HealthCheckError extends ProvisionError {
  override name = 'HealthCheckError';
  constructor(
    /** The release that failed (its id: version+content hash). */
    readonly version: string,
    /** What went wrong, in one line. */
    readonly failure: string,
    /** Its last log lines, redacted. */
    readonly logTail: string[],
    readonly rollback: RecoveryOutcome,
    host?: string,
  ) {
    super(
      'health',
      `release ${version} ${failure}; ${outcomeText(rollback)}` +
        (logTail.length ? `\nlast log lines of ${version}:\n  ${logTail.join('\n  ')}` : ''),
      outcomeHint(rollback, host),
      { host },
    );
  }

  /** The release running again after the failure, if going back worked. */
  get rolledBackTo(): string | undefined {
    return this.rollback.kind === 'switched-back' ? this.rollback.to : undefined;
  }

  override summary(): ErrorSummary {
    return { ...super.summary(), rollback: this.rollback, failure: this.failure, log_tail: this.logTail };
  }
}

function outcomeText(outcome: RecoveryOutcome): string {
  switch (outcome.kind) {
    case 'switched-back':
      return `${outcome.to} runs again${outcome.oldConfig ? ' with the secrets and unit from before this deploy' : ''}${outcome.dataRestored ? ', on the datastore as it was before (what the failed release wrote is kept in /var/lib/mono-failed)' : ''}`;
    case 'stopped':
      return 'there is no earlier release to return to, so the agent is stopped and disabled';
    case 'left':
      return 'this release and its settings were already installed, so they were left as they are';
    case 'nothing-healthy':
      return `and no release could be brought back healthy (tried ${outcome.tried.join('; then ')}): no agent answers now; the service stays enabled, so a reboot tries again`;
  }
}

function outcomeHint(outcome: RecoveryOutcome, host = 'HOST'): string {
  const logs = `"mono logs ${host}"`;
  switch (outcome.kind) {
    case 'switched-back':
      return `The previous release is running again, enabled and healthy. Fix what the log lines above show (more with ${logs}) and deploy again.`;
    case 'stopped':
      return `Fix the cause shown in the log lines (often a missing or wrong setting in the env file; more with ${logs}) and deploy again.`;
    case 'left':
      return `Check ${logs} and "mono status ${host}", then deploy a release that works.`;
    case 'nothing-healthy':
      return `Check ${logs} and "mono status ${host}" now, then deploy a release that works; until then your agent answers no one.`;
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
  const reason = errorMessage(error);
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
