// Drives fixtures/sdk-client.ts (the official SDK in a second process) from a test: send a command, await its
// answer; live notifications collect in `events`.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface LiveEvent {
  event: 'live';
  name: string;
  action: string;
  record: string;
  value?: Record<string, unknown>;
}

export class ClientProcess {
  readonly events: LiveEvent[] = [];
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #pending = new Map<
    number,
    { resolve: (value: unknown) => void; reject: (error: Error) => void }
  >();
  readonly #waiters = new Set<() => void>();
  readonly #ready: Promise<void>;
  #nextId = 0;
  stderr = '';

  constructor() {
    this.#child = spawn(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, 'fixtures', 'sdk-client.ts')],
      {
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    this.#child.stderr.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString();
    });
    let markReady: () => void = () => {};
    this.#ready = new Promise((resolve) => {
      markReady = resolve;
    });
    createInterface({ input: this.#child.stdout }).on('line', (line) => {
      const message = JSON.parse(line) as {
        id?: number;
        ok?: boolean;
        result?: unknown;
        error?: { name: string; message: string };
        event?: string;
      };
      if (message.event === 'ready') markReady();
      else if (message.event === 'live') {
        this.events.push(message as LiveEvent);
        for (const wake of this.#waiters) wake();
      } else if (message.id !== undefined) {
        const call = this.#pending.get(message.id);
        this.#pending.delete(message.id);
        if (message.ok) call?.resolve(message.result);
        else
          call?.reject(
            Object.assign(new Error(message.error?.message), { name: message.error?.name ?? 'Error' }),
          );
      }
    });
    this.#child.on('exit', () => {
      for (const call of this.#pending.values())
        call.reject(new Error(`client process exited: ${this.stderr}`));
      this.#pending.clear();
    });
  }

  async run<T = unknown>(op: string, args: Record<string, unknown> = {}): Promise<T> {
    await this.#ready;
    const id = ++this.#nextId;
    const answer = new Promise<unknown>((resolve, reject) => this.#pending.set(id, { resolve, reject }));
    this.#child.stdin.write(`${JSON.stringify({ id, op, ...args })}\n`);
    return answer as Promise<T>;
  }

  /** Resolves once `count` live events named `name` arrived; rejects after `ms` with what did arrive. */
  waitForEvents(name: string, count: number, ms = 10_000): Promise<LiveEvent[]> {
    const matching = () => this.events.filter((event) => event.name === name);
    return new Promise((resolve, reject) => {
      const check = () => {
        if (matching().length >= count) {
          cleanup();
          resolve(matching());
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`expected ${count} "${name}" notifications, got ${JSON.stringify(matching())}`));
      }, ms);
      const cleanup = () => {
        clearTimeout(timer);
        this.#waiters.delete(check);
      };
      this.#waiters.add(check);
      check();
    });
  }

  async stop(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    this.#child.stdin.end();
    const exited = once(this.#child, 'exit');
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
}
