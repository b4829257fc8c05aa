// `mono backup` and the desktop's backups: a consistent snapshot of an agent's datastore, made while it keeps
// running, written to a file on this computer (compressed; encrypted when a passphrase is given).
import { type HeaderFields, readContainer, writeContainer } from '../../agent-core/backup/container.ts';
import type { Secret } from '../../agent-core/config/secret.ts';
import { connectStep, type Target, targetName } from '../provision/connect.ts';
import { ProvisionError } from '../provision/errors.ts';
import { type ProgressListener, StepReporter } from '../provision/progress.ts';
import type { Session } from '../provision/session.ts';
import { agentBackupCommand } from './commands.ts';
import { checkBackupFile, writeFileAtomically } from './file.ts';
import { localCommandError, streamLocalAgentCommand } from './local-agent.ts';
import { type AgentLine, agentCommandError, type StreamLimits, streamCommand } from './remote.ts';
import { runStep } from './step.ts';

export const BACKUP_STEPS = ['connect', 'backup', 'verify'] as const;
export const LOCAL_BACKUP_STEPS = ['backup', 'verify'] as const;

export interface BackupOptions {
  /** The VPS; without it, the agent on this computer (see `env`). */
  target?: Target;
  /** For the local agent: the environment that says where its data is (MONO_DATA_DIR, MONO_HUB_*, MONO_DB_*). */
  env?: NodeJS.ProcessEnv;
  out: string;
  passphrase?: Secret;
  onProgress?: ProgressListener;
  signal?: AbortSignal;
  /** The command that runs the local agent's `mono-agent` (default: this checkout's agent-core through tsx). */
  localAgent?: string[];
  /** Replaces the VPS command's own time limits (a test that wants a hang found in seconds). */
  limits?: StreamLimits;
}

export interface BackupResult {
  host: string;
  file: string;
  bytes: number;
  durationMs: number;
  counts: Record<string, number>;
  /** Made while the agent ran (its in-flight work is closed, not redone, by a restore). */
  live: boolean;
  encrypted: boolean;
  agentVersion: string;
  schemaVersion: number;
}

export async function backup(o: BackupOptions): Promise<BackupResult> {
  const started = performance.now();
  const host = o.target ? targetName(o.target) : 'local';
  const reporter = new StepReporter(host, o.target ? BACKUP_STEPS : LOCAL_BACKUP_STEPS, o.onProgress);
  const onRows = throttle((rows: number, all: number) =>
    reporter.emit('backup', 'start', `Reading the datastore: ${rows} of ${all} rows`, {
      detail: { rows, total: all },
    }),
  );
  const session = o.target ? await connectStep(o.target, reporter) : undefined;
  try {
    const header = await runStep(
      reporter,
      'backup',
      'Reading a snapshot of the agent’s datastore',
      () => backupFrom(session, o, onRows),
      (h) => `${total(h.counts)} rows written to ${o.out}${h.live ? '' : ' (the agent was stopped)'}`,
    );
    const checked = await runStep(
      reporter,
      'verify',
      'Reading the file back',
      () => checkBackupFile(o.out, o.passphrase),
      (c) => `The file reads back whole (${c.bytes} bytes${o.passphrase ? ', encrypted' : ''})`,
    );
    return {
      host,
      file: o.out,
      bytes: checked.bytes,
      durationMs: Math.round(performance.now() - started),
      counts: checked.counts,
      live: header.live,
      encrypted: Boolean(o.passphrase),
      agentVersion: header.agent_version,
      schemaVersion: header.schema.version,
    };
  } finally {
    session?.close();
  }
}

/**
 * The agent's own `mono-agent backup` writes the file unencrypted to a pipe (on the VPS through SSH, here from a
 * child process); it is checked, labelled and encrypted here, and lands under its name only once complete.
 */
async function backupFrom(
  session: Session | undefined,
  o: BackupOptions,
  onRows: (rows: number, total: number) => void,
): Promise<HeaderFields> {
  if (session) await session.redactRemoteSecrets('backup');
  const command = agentBackupCommand();
  // Stops the command when writing here fails (a full disk): it must not go on filling memory.
  const stop = new AbortController();
  const abort = () => stop.abort();
  o.signal?.addEventListener('abort', abort, { once: true });
  const onLine = (line: AgentLine) => {
    if (line.type === 'progress') onRows(Number(line.rows), Number(line.total));
  };
  const source = session
    ? streamCommand(session, command, {
        onLine,
        signal: stop.signal,
        ...(o.limits && { limits: o.limits }),
        hint: 'Nothing was written here. Check the VPS over SSH (is it overloaded, out of memory or disk? "uptime", "free -m", "df -h", "mono logs"), then back up again.',
      })
    : streamLocalAgentCommand(['backup'], {
        env: o.env ?? process.env,
        onLine,
        signal: stop.signal,
        ...(o.localAgent ? { command: o.localAgent } : {}),
      });
  let fields: HeaderFields | undefined;
  const writing = (async () => {
    const { header, payload } = await readContainer(source.stdout);
    const { format: _f, version: _v, encryption: _e, ...rest } = header;
    fields = { ...rest, source: session?.name ?? 'local' };
    await writeFileAtomically(
      o.out,
      writeContainer(fields, payload, o.passphrase ? { passphrase: o.passphrase } : {}),
    );
  })();
  writing.catch(abort);
  try {
    const [written, ended] = await Promise.allSettled([writing, source.done]);
    if (o.signal?.aborted)
      throw new ProvisionError('backup', 'cancelled', 'Nothing was written; run it again.');
    // The command's own account of a failure says more than the stream it cut short.
    if (ended.status === 'rejected') throw ended.reason;
    const { code, stderr, reported } = ended.value;
    if (written.status === 'fulfilled') return fields!;
    // Stopped by us because writing here failed: that failure is the story. Else the command's own is.
    if (code !== 0 && (reported || !stop.signal.aborted))
      throw session
        ? agentCommandError(session, command, code, stderr, reported)
        : localCommandError('backup', code, stderr, reported);
    throw written.reason;
  } finally {
    o.signal?.removeEventListener('abort', abort);
  }
}

/** At most one progress report per 100 ms (and always the last one). */
function throttle(report: (rows: number, total: number) => void): (rows: number, total: number) => void {
  let last = 0;
  return (rows, all) => {
    const now = performance.now();
    if (rows !== all && now - last < 100) return;
    last = now;
    report(rows, all);
  };
}

function total(counts: Record<string, number>): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}
