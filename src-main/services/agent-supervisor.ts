// Local mode: runs the built agent (agent-core/dist/mono-agent.js) as a child process, finds its HTTP address in
// the "ready" log line, keeps the last log lines for the Server screen, restarts it with backoff if it dies, and
// kills one that does not become ready in time, and says why it stopped in the agent's own words.
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { forgetPid, recordPid, stopLeftoverAgent } from './agent-leftover.ts';
import { backoffDelay, RESTART_BACKOFF } from './backoff.ts';

export type AgentProcessState = 'stopped' | 'starting' | 'running' | 'crashed' | 'paused';

export interface AgentProcessStatus {
  state: AgentProcessState;
  httpUrl?: string;
  pid?: number;
  restarts: number;
  lastExit?: { code: number | null; signal: string | null; at: string };
  /** Why the last start failed (not ready in time, exited while starting), until the next start succeeds. */
  lastError?: string;
  /** Why the agent last stopped or failed to start, in its own words (a configuration problem, a fatal error). */
  reason?: string;
}

/** What the supervisor needs of the agent's process: Node's ChildProcess, or Electron's utility process adapted. */
export interface AgentChild {
  readonly pid?: number | undefined;
  readonly stdout: NodeJS.ReadableStream | null;
  readonly stderr: NodeJS.ReadableStream | null;
  readonly exitCode: number | null;
  readonly signalCode: string | null;
  kill(signal?: NodeJS.Signals): boolean;
  on(event: 'exit', listener: (code: number | null, signal: string | null) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  once(event: 'exit', listener: () => void): unknown;
}

/** Starts the agent's entry file with this environment, its stdout and stderr piped. */
export type SpawnAgent = (agentPath: string, env: Record<string, string>) => AgentChild;

/**
 * The agent as a plain Node child process (the browser bridge, tests; Electron uses a utility process, which dies
 * with its app). Its stdin is a pipe nobody writes to: when this process dies, the agent sees it close and stops.
 */
export function nodeSpawnAgent(nodePath: string = process.execPath): SpawnAgent {
  return (agentPath, env) =>
    spawn(nodePath, [agentPath], {
      env: { ...env, MONO_EXIT_WITH_PARENT: '1' },
      stdio: ['pipe', 'pipe', 'pipe'],
    }) as ChildProcess & AgentChild;
}

export interface AgentSupervisorDeps {
  spawn: SpawnAgent;
  agentPath: string;
  /** Computed at every start, so a changed secret or setting is picked up by a restart. */
  env: () => Record<string, string>;
  onLog?: (line: string) => void;
  onState?: (status: AgentProcessStatus) => void;
  /** How long a start may take before the child is killed and the start fails (default 20 s). */
  startTimeoutMs?: number;
  /** Between SIGTERM and SIGKILL when stopping (default 6 s). */
  killGraceMs?: number;
  logLimit?: number;
  /** Where the running agent's pid is kept, so a desktop started after a crash stops a leftover agent first. */
  pidFile?: string;
}

export interface AgentSupervisor {
  start(): Promise<AgentProcessStatus>;
  stop(options?: { paused?: boolean }): Promise<void>;
  restart(): Promise<AgentProcessStatus>;
  status(): AgentProcessStatus;
  logs(limit: number): string[];
}

export class AgentStartError extends Error {
  override name = 'AgentStartError';
  constructor(
    message: string,
    /** The agent's own explanation (see failureReason), when it gave one. */
    readonly reason?: string,
  ) {
    super(message);
  }
}

/**
 * Why an agent run ended, from its output: the fatal log line, else the configuration problems it listed, else
 * its last error line, else its last line. Undefined when it said nothing.
 */
export function failureReason(lines: readonly string[]): string | undefined {
  const records = lines.map((line) => {
    try {
      const record = JSON.parse(line) as { level?: number; msg?: string };
      return typeof record.msg === 'string'
        ? { level: Number(record.level ?? 0), msg: record.msg }
        : undefined;
    } catch {
      return undefined;
    }
  });
  const fatal = records.findLast((r) => r && r.level >= 60);
  if (fatal) return fatal.msg.replace(/^MONO could not start: /, '');
  const problems = lines.filter((line) => /^\s+- /.test(line)).map((line) => line.trim().slice(2));
  if (problems.length > 0) return problems.join(' ');
  const error = records.findLast((r) => r && r.level >= 50);
  if (error) return error.msg;
  return lines.findLast((line) => line.trim() && !line.startsWith('{'))?.trim();
}

/** The agent logs `{"msg":"ready", …}` with its HTTP address under some field; accept any http URL or port. */
export function readyAddress(line: string): string | undefined {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (record.msg !== 'ready') return undefined;
  // The agent logs `http: "host:port"`; accept a full URL or a {host, port} object too.
  if (typeof record.http === 'string' && /^[^\s/]+:\d+$/.test(record.http)) return `http://${record.http}`;
  for (const value of Object.values(record)) {
    if (typeof value === 'string' && /^https?:\/\/[^/\s]+/.test(value)) return value.replace(/\/$/, '');
    if (value && typeof value === 'object') {
      const nested = value as Record<string, unknown>;
      if (typeof nested.url === 'string') return nested.url.replace(/\/$/, '');
      if (typeof nested.port === 'number')
        return `http://${String(nested.host ?? '127.0.0.1')}:${nested.port}`;
    }
  }
  if (typeof record.port === 'number') return `http://${String(record.host ?? '127.0.0.1')}:${record.port}`;
  return undefined;
}

export function createAgentSupervisor(deps: AgentSupervisorDeps): AgentSupervisor {
  const logLimit = deps.logLimit ?? 2000;
  const lines: string[] = [];
  let child: AgentChild | undefined;
  let status: AgentProcessStatus = { state: 'stopped', restarts: 0 };
  let wanted = false;
  let restartTimer: NodeJS.Timeout | undefined;
  let consecutiveCrashes = 0;
  let starting: Promise<AgentProcessStatus> | undefined;
  const startTimeout = deps.startTimeoutMs ?? 20_000;

  function setStatus(patch: Partial<AgentProcessStatus>): void {
    status = { ...status, ...patch };
    deps.onState?.(status);
  }

  function log(line: string): void {
    lines.push(line);
    if (lines.length > logLimit) lines.splice(0, lines.length - logLimit);
    deps.onLog?.(line);
  }

  /** Each child's output, read to its end (its last lines say why it stopped). */
  const drained = new WeakMap<AgentChild, Promise<void>>();

  /** SIGTERM, then SIGKILL after a grace period; resolves when the process is gone and its output read. */
  async function terminate(proc: AgentChild): Promise<void> {
    if (proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      proc.kill('SIGTERM');
      const killer = setTimeout(() => proc.kill('SIGKILL'), deps.killGraceMs ?? 6_000);
      await exited;
      clearTimeout(killer);
    }
    await drainedOrLate(proc);
  }

  async function drainedOrLate(proc: AgentChild): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const patience = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, 2_000);
    });
    await Promise.race([drained.get(proc) ?? Promise.resolve(), patience]);
    clearTimeout(timer);
  }

  /**
   * Starts one agent process and settles when it is ready or has failed. A start the owner asked for gives up
   * on failure (the install screen shows why and offers Retry); an automatic restart after a crash keeps trying
   * with backoff. A child that is not ready in time is killed, never left running beside the next attempt.
   */
  async function launch(automatic: boolean): Promise<AgentProcessStatus> {
    setStatus({ state: 'starting', httpUrl: undefined });
    if (deps.pidFile) await stopLeftoverAgent(deps.pidFile, deps.agentPath);
    // This run's last lines: where its reason for stopping is found.
    const recent: string[] = [];
    const proc = deps.spawn(deps.agentPath, deps.env());
    child = proc;
    if (deps.pidFile) recordPid(deps.pidFile, proc.pid);
    return new Promise((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => {
        fail(
          new AgentStartError(
            `The agent did not report ready within ${Math.round(startTimeout / 1000)} s and was stopped. See the log on the Server screen.`,
          ),
        );
        void terminate(proc);
      }, startTimeout);
      function fail(error: AgentStartError): void {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (!automatic) wanted = false;
        setStatus({
          state: 'crashed',
          httpUrl: undefined,
          pid: undefined,
          lastError: error.message,
          ...(error.reason && { reason: error.reason }),
        });
        reject(error);
      }
      const ends: Promise<void>[] = [];
      for (const stream of [proc.stdout, proc.stderr]) {
        if (!stream) continue;
        const reader = createInterface({ input: stream });
        ends.push(new Promise((resolve) => reader.once('close', () => resolve())));
        reader.on('line', (line) => {
          log(line);
          recent.push(line);
          if (recent.length > 50) recent.shift();
          const address = !settled ? readyAddress(line) : undefined;
          if (address) {
            settled = true;
            clearTimeout(timer);
            consecutiveCrashes = 0;
            setStatus({
              state: 'running',
              httpUrl: address,
              pid: proc.pid,
              lastError: undefined,
              reason: undefined,
            });
            resolve(status);
          }
        });
      }
      drained.set(
        proc,
        Promise.all(ends).then(() => {}),
      );
      proc.on('error', (error) => fail(new AgentStartError(`Could not start the agent: ${error.message}`)));
      proc.on('exit', (code, signal) => {
        if (child === proc) child = undefined;
        if (deps.pidFile) forgetPid(deps.pidFile, proc.pid);
        void afterExit(code, signal);
      });
      /** Once every line the agent wrote has been read (its last words say why it stopped), or 2 s passed. */
      async function afterExit(code: number | null, signal: string | null): Promise<void> {
        const lastExit = { code, signal, at: new Date().toISOString() };
        await drainedOrLate(proc);
        const reason = failureReason(recent);
        if (!settled) {
          const tail = lines.slice(-5).join('\n');
          fail(
            new AgentStartError(
              `The agent stopped while starting (exit ${code ?? signal}).\n${tail}`,
              reason,
            ),
          );
        }
        setStatus({ lastExit });
        if (!wanted) return;
        consecutiveCrashes += 1;
        setStatus({ state: 'crashed', httpUrl: undefined, pid: undefined, ...(reason && { reason }) });
        const delay = backoffDelay(consecutiveCrashes, RESTART_BACKOFF);
        restartTimer = setTimeout(() => {
          restartTimer = undefined;
          if (!wanted) return;
          setStatus({ restarts: status.restarts + 1 });
          launch(true).catch(() => {});
        }, delay);
      }
    });
  }

  function begin(): Promise<AgentProcessStatus> {
    wanted = true;
    if (restartTimer) clearTimeout(restartTimer);
    restartTimer = undefined;
    const attempt = launch(false).finally(() => {
      if (starting === attempt) starting = undefined;
    });
    starting = attempt;
    return attempt;
  }

  async function stop(options: { paused?: boolean } = {}): Promise<void> {
    wanted = false;
    if (restartTimer) clearTimeout(restartTimer);
    restartTimer = undefined;
    if (child) await terminate(child);
    setStatus({ state: options.paused ? 'paused' : 'stopped', httpUrl: undefined, pid: undefined });
  }

  return {
    async start() {
      if (starting) return starting;
      if (wanted && child && status.state === 'running') return status;
      // A crashed agent waiting for its next automatic try, or a child left from a failed start: begin afresh.
      if (child) await terminate(child);
      return begin();
    },
    stop,
    async restart() {
      await stop();
      return begin();
    },
    status: () => status,
    logs: (limit) => lines.slice(-limit),
  };
}
