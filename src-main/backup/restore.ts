// `mono restore` and the desktop's Restore: checks the backup file here first (format, version, integrity,
// passphrase, counts), then has the agent's own release restore it with the agent stopped — on a VPS through SSH
// (under the deploy lock, then started again and health-checked), locally in a child process.
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { readContainer, writeContainer } from '../../agent-core/backup/container.ts';
import { BackupFileError, describeCounts, RestoreRefusedError } from '../../agent-core/backup/errors.ts';
import type { Secret } from '../../agent-core/config/secret.ts';
import { connectStep, type Target, targetName } from '../provision/connect.ts';
import { ProvisionError } from '../provision/errors.ts';
import { gate } from '../provision/gate.ts';
import { acquireHostLock, releaseHostLock } from '../provision/host-lock.ts';
import { DEFAULT_HTTP_PORT, LAYOUT } from '../provision/layout.ts';
import { type ProgressListener, StepReporter } from '../provision/progress.ts';
import type { Session } from '../provision/session.ts';
import { agentBackupCommand, agentRestoreCommand } from './commands.ts';
import { type CheckedFile, checkBackupFile } from './file.ts';
import { type AgentRestored, type AgentSummary, runLocalAgentCommand } from './local-agent.ts';
import { type AgentLine, agentCommandError, jsonLines } from './remote.ts';
import { runStep } from './step.ts';

export const RESTORE_STEPS = [
  'check',
  'connect',
  'lock',
  'inspect',
  'restore',
  'health',
  'count',
  'unlock',
] as const;
export const LOCAL_RESTORE_STEPS = ['check', 'restore', 'count'] as const;

export interface RestoreOptions {
  /** The VPS; without it, the agent on this computer (see `env`). */
  target?: Target;
  /** For the local agent: the environment that says where its data is (MONO_DATA_DIR, …). */
  env?: NodeJS.ProcessEnv;
  file: string;
  passphrase?: Secret;
  /** Replace data the agent already holds (else the restore refuses before changing anything). */
  replace: boolean;
  onProgress?: ProgressListener;
  lockTimeoutMs?: number;
  httpPort?: number;
  healthTimeoutMs?: number;
  /** The command that runs the local agent's `mono-agent` (default: this checkout's agent-core through tsx). */
  localAgent?: string[];
}

export interface RestoreResult {
  host: string;
  file: string;
  backup: {
    created_at: string;
    source?: string;
    agent_version: string;
    schema_version: number;
    live: boolean;
  };
  /** Rows per table the restored agent holds, counted at the end. */
  counts: Record<string, number>;
  migrated?: { from: number; to: number; applied: string[] };
  /** Where the replaced data is kept until the next successful restore. */
  replaced?: string;
  /** In-flight work of a live backup, closed instead of redone. */
  interrupted: Record<string, number>;
  durationMs: number;
}

export async function restore(o: RestoreOptions): Promise<RestoreResult> {
  const started = performance.now();
  const host = o.target ? targetName(o.target) : 'local';
  const reporter = new StepReporter(host, o.target ? RESTORE_STEPS : LOCAL_RESTORE_STEPS, o.onProgress);
  const checked = await runStep(
    reporter,
    'check',
    `Checking ${o.file}`,
    async (note) => {
      const file = await checkBackupFile(o.file, o.passphrase);
      note({ backup: summaryOf(file), counts: file.counts });
      return file;
    },
    (file) => describeFile(file),
  );
  const done = o.target
    ? await restoreRemote(o.target, checked, reporter, o)
    : await restoreLocal(reporter, o);
  return {
    host,
    file: o.file,
    backup: summaryOf(checked),
    ...done,
    durationMs: Math.round(performance.now() - started),
  };
}

type Restored = Pick<RestoreResult, 'counts' | 'migrated' | 'replaced' | 'interrupted'>;

async function restoreRemote(
  target: Target,
  checked: CheckedFile,
  reporter: StepReporter,
  o: RestoreOptions,
): Promise<Restored> {
  const session = await connectStep(target, reporter);
  try {
    await session.redactRemoteSecrets('restore');
    const lock = await runStep(reporter, 'lock', 'Taking the deploy lock', () =>
      acquireHostLock(session, { timeoutMs: o.lockTimeoutMs }),
    );
    try {
      const before = await runStep(
        reporter,
        'inspect',
        'Reading what the agent holds now',
        async () => {
          const summary = await remoteSummary(session, 'inspect');
          checkTarget(checked, summary, o.replace);
          return summary;
        },
        (s) => `The agent (${s.agent_version}) holds ${describeCounts(s.holds)}`,
      );
      const restored = await runStep(
        reporter,
        'restore',
        'Stopping the agent and restoring the backup',
        () => remoteRestore(session, reporter, o, checked.bytes),
        (r) => restoredMessage(r),
      );
      await runStep(
        reporter,
        'health',
        'Starting the agent with the restored data',
        async () => {
          const outcome = await gate(session, {
            port: o.httpPort ?? DEFAULT_HTTP_PORT,
            version: before.agent_version,
            channels: [],
            timeoutMs: o.healthTimeoutMs ?? 30_000,
            bakeMs: 0,
          });
          if (!outcome.ok)
            throw new ProvisionError(
              'health',
              `the agent did not report healthy after the restore: it ${outcome.reason}`,
              `Check "mono logs". The data it had before is kept in ${restored.replaced ?? `${LAYOUT.dataDir}/db.replaced-*`} until the next successful restore.`,
              { host: session.name },
            );
          return outcome.health;
        },
        (h) => `Healthy (version ${h.version}, db ${h.db ?? '?'})`,
      );
      const after = await runStep(
        reporter,
        'count',
        'Counting what the agent holds now',
        () => remoteSummary(session, 'count'),
        (s) => `The agent holds ${describeCounts(s.holds)}`,
      );
      return { ...restored, counts: after.counts };
    } finally {
      await runStep(reporter, 'unlock', 'Releasing the deploy lock', () => releaseHostLock(session, lock));
    }
  } finally {
    session.close();
  }
}

async function restoreLocal(reporter: StepReporter, o: RestoreOptions): Promise<Restored> {
  const env = o.env ?? process.env;
  const restored = await runStep(
    reporter,
    'restore',
    'Restoring the backup into the agent’s data directory',
    async () => {
      const result = await runLocalAgentCommand<AgentRestored>(
        ['restore', ...(o.replace ? ['--replace'] : [])],
        {
          env,
          stdin: plainFile(o.file, o.passphrase),
          onLine: (line) => progressLine(line, reporter),
          ...(o.localAgent ? { command: o.localAgent } : {}),
        },
      );
      return result;
    },
    (r) => restoredMessage(r),
  );
  const after = await runStep(
    reporter,
    'count',
    'Opening the restored datastore and counting what it holds',
    () =>
      runLocalAgentCommand<AgentSummary>(['backup', '--summary'], {
        env,
        ...(o.localAgent ? { command: o.localAgent } : {}),
      }),
    (s) => `It holds ${describeCounts(s.holds)}; start the agent to use it`,
  );
  return { ...restored, counts: after.counts };
}

/** Refuses before anything is stopped: data the owner would lose, or a backup newer than the agent. */
function checkTarget(checked: CheckedFile, summary: AgentSummary, replace: boolean): void {
  const known = new Set(summary.schema.migrations.map((m) => m.name));
  const unknown = checked.header.schema.migrations.filter((m) => !known.has(m.name));
  if (unknown.length && summary.live)
    throw new BackupFileError(
      'newer-schema',
      `this backup comes from a newer MONO (schema ${checked.header.schema.version}; the agent has ${summary.schema.version})`,
    );
  if (Object.keys(summary.holds).length && !replace) throw new RestoreRefusedError(summary.holds);
}

async function remoteSummary(session: Session, step: string): Promise<AgentSummary> {
  const command = { ...agentBackupCommand({ summary: true }), step };
  let summary: AgentSummary | undefined;
  let reported: AgentLine | undefined;
  const r = await session.run(command, {
    allowFailure: true,
    onStdout: jsonLines((line) => {
      if (line.type === 'summary') summary = line as unknown as AgentSummary;
      if (line.type === 'error') reported = line;
    }),
  });
  if (r.code !== 0 || !summary) throw agentCommandError(session, command, r.code, r.stderr, reported);
  return summary;
}

async function remoteRestore(
  session: Session,
  reporter: StepReporter,
  o: RestoreOptions,
  bytes: number,
): Promise<AgentRestored> {
  const command = agentRestoreCommand({ replace: o.replace, bytes });
  let result: AgentRestored | undefined;
  let reported: AgentLine | undefined;
  const r = await session.run(command, {
    allowFailure: true,
    stdin: Readable.from(plainFile(o.file, o.passphrase)),
    onStdout: jsonLines((line) => {
      if (line.type === 'result') result = line as unknown as AgentRestored;
      else if (line.type === 'error') reported = line;
      else progressLine(line, reporter);
    }),
  });
  if (r.code !== 0 || !result) throw agentCommandError(session, command, r.code, r.stderr, reported);
  return result;
}

/** The file as the agent reads it: an encrypted file is decrypted here (the passphrase never leaves this computer). */
async function* plainFile(path: string, passphrase: Secret | undefined): AsyncGenerator<Buffer> {
  if (!passphrase) {
    yield* createReadStream(path) as AsyncIterable<Buffer>;
    return;
  }
  const { header, payload } = await readContainer(createReadStream(path), { passphrase: () => passphrase });
  const { format: _f, version: _v, encryption: _e, ...fields } = header;
  yield* writeContainer(fields, payload);
}

function progressLine(line: AgentLine, reporter: StepReporter): void {
  if (line.type !== 'progress' || line.phase !== 'rows') return;
  reporter.emit('restore', 'start', `Restoring: ${line.rows} of ${line.total} rows`, {
    detail: { rows: line.rows, total: line.total },
  });
}

function restoredMessage(r: AgentRestored): string {
  const parts = [`Restored ${describeCounts(r.counts)}`];
  if (r.migrated) parts.push(`schema migrated from ${r.migrated.from} to ${r.migrated.to}`);
  const interrupted = Object.values(r.interrupted ?? {}).reduce((a, b) => a + b, 0);
  if (interrupted) parts.push(`${interrupted} item(s) in progress at the backup marked failed, not redone`);
  if (r.replaced) parts.push(`the data it replaced is kept in ${r.replaced} until the next restore`);
  return parts.join('; ');
}

function summaryOf(file: CheckedFile): RestoreResult['backup'] {
  const h = file.header;
  return {
    created_at: h.created_at,
    ...(h.source ? { source: h.source } : {}),
    agent_version: h.agent_version,
    schema_version: h.schema.version,
    live: h.live,
  };
}

function describeFile(file: CheckedFile): string {
  const h = file.header;
  return `Backup of ${h.source ?? 'an agent'} from ${h.created_at} (MONO ${h.agent_version}, schema ${h.schema.version}${h.encryption ? ', encrypted' : ''}): ${describeCounts(file.counts)}`;
}
