// Runs the BUILT agent (agent-core/dist/mono-agent.js) as a child process for end-to-end tests:
// waits for its "ready" log line, collects its log, and stops or kills it.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ALLOCATOR_ENV } from '../../agent-core/config/allocator.ts';

export const AGENT_BUNDLE = fileURLToPath(new URL('../../agent-core/dist/mono-agent.js', import.meta.url));

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export class AgentProcess {
  readonly logs: LogLine[] = [];
  readonly stderr: string[] = [];
  httpUrl = '';
  hubAddress: string | undefined;
  #child: ChildProcess | undefined;
  #exit: Promise<number | null> | undefined;

  constructor(
    readonly env: Record<string, string>,
    /** Another copy of the bundle (e.g. dist/ copied elsewhere, as on a VPS). */
    readonly bundle: string = AGENT_BUNDLE,
    /** A program that starts Node in its place (e.g. systemd-socket-activate, which passes a listening socket). */
    readonly launcher: string[] = [],
  ) {}

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Starts the agent and resolves once it logged "ready" (rejects with its output if it exits first). */
  async start({ timeoutMs = 15_000 } = {}): Promise<this> {
    const [program, ...args] = [...this.launcher, process.execPath, this.bundle];
    const child = spawn(program!, args, {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/root',
        MONO_HTTP_PORT: '0',
        // The agent runs as the systemd unit and the desktop start it.
        ...ALLOCATOR_ENV,
        ...this.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#child = child;
    this.#exit = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => this.stderr.push(chunk));
    let buffer = '';
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`agent not ready after ${timeoutMs} ms\n${this.output()}`)),
        timeoutMs,
      );
      child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
        buffer += chunk;
        let newline = buffer.indexOf('\n');
        while (newline >= 0) {
          const line = buffer.slice(0, newline);
          buffer = buffer.slice(newline + 1);
          newline = buffer.indexOf('\n');
          try {
            const entry = JSON.parse(line) as LogLine;
            this.logs.push(entry);
            if (entry.msg === 'ready') {
              this.httpUrl = `http://${String(entry.http)}`;
              this.hubAddress = entry.hub as string | undefined;
              clearTimeout(timer);
              resolve();
            }
          } catch {
            this.stderr.push(line);
          }
        }
      });
      void this.#exit!.then((code) => {
        clearTimeout(timer);
        reject(new Error(`agent exited with code ${code} before it was ready\n${this.output()}`));
      });
    });
    await ready;
    return this;
  }

  /** SIGTERM, then the exit code (or null when killed by a signal). */
  async stop(): Promise<number | null> {
    if (!this.#child || this.#child.exitCode !== null || this.#child.signalCode) return this.#exit ?? null;
    this.#child.kill('SIGTERM');
    return this.#exit!;
  }

  /** kill -9: no shutdown code runs. */
  async kill(): Promise<void> {
    this.#child?.kill('SIGKILL');
    await this.#exit;
  }

  exited(): Promise<number | null> {
    return this.#exit ?? Promise.resolve(null);
  }

  output(): string {
    return [...this.logs.map((l) => JSON.stringify(l)), ...this.stderr].join('\n');
  }

  async health(): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(`${this.httpUrl}/healthz`);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }
}

/**
 * A launcher for AgentProcess that runs the agent as the VPS's mono-agent.socket does: systemd-socket-activate holds
 * the port and passes it as fd 3; like systemd, it starts the program at the first connection, with only the
 * environment it is told to pass.
 */
export function socketActivation(port: number, env: Record<string, string>): string[] {
  const passed = ['PATH', 'HOME', ...Object.keys(ALLOCATOR_ENV), ...Object.keys(env)];
  return [
    'systemd-socket-activate',
    '--listen',
    `127.0.0.1:${port}`,
    ...passed.flatMap((name) => ['--setenv', name]),
  ];
}

/** A fresh data directory, removed by the returned cleanup. */
export function tempDataDir(prefix = 'mono-test-'): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs the built agent with the given environment until it exits by itself (for configuration errors). */
export function runAgentToExit(
  env: Record<string, string>,
  timeoutMs = 10_000,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [AGENT_BUNDLE], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`agent still running after ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}
