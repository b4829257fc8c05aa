// Runs `mono-agent backup` and `mono-agent restore` for the agent on this computer in a child process: the engine
// holds a datastore's files until its process ends, and a restore must swap them after that.
import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { BackupSummary } from '../../agent-core/backup/backup.ts';
import type { StagedRestore } from '../../agent-core/backup/restore.ts';
import { type AgentLine, jsonLines, reportedError } from './remote.ts';

export type AgentSummary = BackupSummary;
export type AgentRestored = StagedRestore & { replaced?: string };

const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** This checkout's agent, from source (the same code as this CLI). */
export const SOURCE_AGENT = [process.execPath, '--import', 'tsx', 'agent-core/main.ts'];

/** Runs the agent command; resolves to its final JSON line (summary or result), rejects with its error line. */
export async function runLocalAgentCommand<T>(
  args: string[],
  o: {
    env: NodeJS.ProcessEnv;
    stdin?: AsyncIterable<Buffer>;
    onLine?: (line: AgentLine) => void;
    command?: string[];
  },
): Promise<T> {
  const [program, ...prefix] = o.command ?? SOURCE_AGENT;
  const child = spawn(program!, [...prefix, ...args], {
    cwd: REPO,
    env: { ...o.env, MONO_LOG_LEVEL: 'silent' },
    stdio: [o.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  let final: AgentLine | undefined;
  let reported: AgentLine | undefined;
  let stderr = '';
  child.stdout!.on(
    'data',
    jsonLines((line) => {
      if (line.type === 'result' || line.type === 'summary') final = line;
      else if (line.type === 'error') reported = line;
      else o.onLine?.(line);
    }),
  );
  child.stderr!.on('data', (chunk: Buffer) => {
    if (stderr.length < 16_384) stderr += chunk.toString('utf8');
  });
  if (o.stdin && child.stdin) {
    const input = child.stdin;
    input.on('error', () => {}); // the command stops reading when it refuses the file
    (async () => {
      try {
        for await (const chunk of o.stdin!) {
          if (!input.write(chunk)) await new Promise((r) => input.once('drain', r));
        }
      } finally {
        input.end();
      }
    })().catch(() => input.destroy());
  }
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  if (code === 0 && final) {
    const { type: _, ...value } = final;
    return value as T;
  }
  throw localCommandError(args[0]!, code, stderr, reported);
}

/** The error of a local agent command: the one it reported, or its exit code and the end of its stderr. */
export function localCommandError(
  command: string,
  code: number | null,
  stderr: string,
  reported: AgentLine | undefined,
): Error {
  if (reported) return reportedError(reported);
  return new Error(
    `mono-agent ${command} exited with ${code}${stderr.trim() ? `: ${stderr.trim().slice(-800)}` : ''}`,
  );
}

/**
 * Starts a local agent command whose stdout is binary (a backup file); `done` settles with its exit code and
 * stderr, whose JSON lines go to `onLine` as they come.
 */
export function streamLocalAgentCommand(
  args: string[],
  o: { env: NodeJS.ProcessEnv; onLine?: (line: AgentLine) => void; signal?: AbortSignal; command?: string[] },
): { stdout: Readable; done: Promise<{ code: number | null; stderr: string; reported?: AgentLine }> } {
  const [program, ...prefix] = o.command ?? SOURCE_AGENT;
  const child = spawn(program!, [...prefix, ...args], {
    cwd: REPO,
    env: { ...o.env, MONO_LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(o.signal ? { signal: o.signal } : {}),
  });
  let stderr = '';
  let reported: AgentLine | undefined;
  const lines = jsonLines((line) => {
    if (line.type === 'error') reported = line;
    o.onLine?.(line);
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    if (stderr.length < 16_384) stderr += chunk.toString('utf8');
    lines(chunk);
  });
  const done = new Promise<{ code: number | null; stderr: string; reported?: AgentLine }>((resolve) => {
    // Aborted by the signal: 'error' comes before 'close', whose exit code then says it did not finish.
    child.once('error', () => {});
    child.once('close', (code) => resolve({ code, stderr, ...(reported ? { reported } : {}) }));
  });
  return { stdout: child.stdout!, done };
}
