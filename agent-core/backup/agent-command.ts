// `mono-agent backup [--summary]` and `mono-agent restore [--replace]`: backup and restore run by the agent's own
// bundle where the agent lives (on a VPS, as root through SSH; the `mono` CLI and the desktop drive them).
//   backup:  the backup file (unencrypted: the caller encrypts) on stdout; progress as JSON lines on stderr.
//            Reads through the running agent's db hub, or the datastore itself when the agent is stopped.
//   restore: the backup file on stdin (agent stopped); progress and the result as JSON lines on stdout.
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import type { Surreal } from 'surrealdb';
import { loadConfig } from '../config/config.ts';
import { silentLogger } from '../log/logger.ts';
import { errorMessage } from '../util/error-message.ts';
import { backupStream, backupSummary } from './backup.ts';
import { BackupError, BackupFileError, RestoreRefusedError } from './errors.ts';
import { finishRestore, type StagedRestore, stageRestore, stagingDir } from './restore.ts';
import { dataEnv, dropToOwnerOf, openBackupSource } from './source.ts';

export async function runAgentCommand(command: 'backup' | 'restore', argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { summary: { type: 'boolean' }, replace: { type: 'boolean' }, stage: { type: 'string' } },
  });
  const env = dataEnv(process.env);
  const report = command === 'backup' ? process.stderr : process.stdout;
  try {
    const config = loadConfig(env);
    if (command === 'restore') {
      if (config.dbUrl)
        throw new Error(
          'this agent uses an external SurrealDB server (MONO_DB_URL); restore into it with SurrealDB itself',
        );
      dropToOwnerOf(config.dataDir);
      if (typeof values.stage === 'string') {
        const staged = await stageRestore({
          dataDir: config.dataDir,
          staging: values.stage,
          input: process.stdin,
          replace: values.replace === true,
          log: silentLogger,
          onProgress: (progress) => line(process.stdout, { type: 'progress', ...withoutKeys(progress) }),
        });
        line(process.stdout, { type: 'staged', ...withoutKeys(staged) });
        return 0;
      }
      return await restoreInChild(config.dataDir, values.replace === true);
    }
    const { datastore, live } = await openBackupSource(config);
    try {
      if (values.summary) {
        line(process.stdout, { type: 'summary', ...(await backupSummary(datastore.db, live)) });
        return 0;
      }
      await writeBackup(datastore.db, live);
      return 0;
    } finally {
      await datastore.close();
    }
  } catch (error) {
    line(report, {
      type: 'error',
      name: (error as Error)?.name ?? 'Error',
      message: errorMessage(error),
      ...(error instanceof BackupError ? { reason: error.reason, hint: error.hint } : {}),
      ...(error instanceof BackupFileError ? { problem: error.problem } : {}),
      ...(error instanceof RestoreRefusedError ? { counts: error.counts } : {}),
    });
    return 1;
  }
}

/**
 * The restore proper runs in a child process: the engine lets go of the new datastore's files only when its process
 * ends, and only then is the new datastore swapped in (here, in the parent).
 */
async function restoreInChild(dataDir: string, replace: boolean): Promise<number> {
  const staging = stagingDir(dataDir);
  // The environment is inherited as it is now: an --env-file was read already (and may be root's only).
  const nodeOptions = process.execArgv.filter((option) => !option.startsWith('--env-file'));
  const child = spawn(
    process.execPath,
    [...nodeOptions, process.argv[1]!, 'restore', '--stage', staging, ...(replace ? ['--replace'] : [])],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = `${stderr}${chunk.toString('utf8')}`.slice(-2000);
  });
  process.stdin.pipe(child.stdin);
  // The child stops reading when it refuses the file: the rest of the input is not needed.
  child.stdin.on('error', () => {});
  let staged: StagedRestore | undefined;
  let reported = false;
  const lines = createInterface({ input: child.stdout });
  lines.on('line', (text) => {
    let value: { type?: string } & Record<string, unknown>;
    try {
      value = JSON.parse(text);
    } catch {
      return;
    }
    if (value.type === 'staged') {
      const { type: _, ...rest } = value;
      staged = rest as unknown as StagedRestore;
    } else {
      if (value.type === 'error') reported = true;
      process.stdout.write(`${text}\n`);
    }
  });
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  process.stdin.unpipe(child.stdin);
  if (code !== 0 || !staged) {
    rmSync(staging, { recursive: true, force: true });
    if (!reported)
      throw new Error(
        `the restore stopped unexpectedly (exit ${code})${stderr.trim() ? `: ${stderr.trim()}` : ''}`,
      );
    return 1;
  }
  const replaced = finishRestore(dataDir, staging, staged.replacing);
  line(process.stdout, { type: 'result', ...staged, ...(replaced ? { replaced } : {}) });
  return 0;
}

/** Progress and results without the header's encryption details (salt, nonce: not secret, but not useful). */
function withoutKeys<T extends object>(value: T): T {
  if (!('header' in value)) return value;
  const { encryption: _, ...header } = value.header as { encryption?: unknown };
  return { ...value, header };
}

async function writeBackup(db: Surreal, live: boolean): Promise<void> {
  let last = 0;
  const stream = await backupStream(db, {
    live,
    onRows: (rows, total) => {
      // A line per ~2% is enough for a bar, and keeps stderr small.
      if (rows !== total && rows - last < Math.max(1000, total / 50)) return;
      last = rows;
      line(process.stderr, { type: 'progress', rows, total });
    },
  });
  try {
    for await (const chunk of stream.bytes) {
      if (!process.stdout.write(chunk)) await new Promise((r) => process.stdout.once('drain', r));
    }
  } finally {
    await stream.close();
  }
  await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
}

function line(stream: NodeJS.WritableStream, value: Record<string, unknown>): void {
  stream.write(`${JSON.stringify(value)}\n`);
}
