// Local mode: runs the built agent (agent-core/dist/mono-agent.js) as a child process, finds its HTTP address in
// the "ready" log line, keeps the last log lines for the Server screen, restarts it with backoff if it dies, and
// says why it stopped. The agent holds our end of a pipe as its stdin and exits when the desktop is gone.
import type { ChildProcess, spawn as spawnFn } from 'node:child_process';
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
  /** Why the agent last stopped or failed to start, in its own words (a configuration problem, a fatal error). */
  reason?: string;
}

export interface AgentSupervisorDeps {
  spawn: typeof spawnFn;
  nodePath: string;
  agentPath: string;
  /** Computed at every start, so a changed secret or setting is picked up by a restart. */
  env: () => Record<string, string>;
  onLog?: (line: string) => void;
  onState?: (status: AgentProcessStatus) => void;
  startTimeoutMs?: number;
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
  let child: ChildProcess | undefined;
  let status: AgentProcessStatus = { state: 'stopped', restarts: 0 };
  let wanted = false;
  let restartTimer: NodeJS.Timeout | undefined;
  let consecutiveCrashes = 0;
  let starting: Promise<AgentProcessStatus> | undefined;

  function setStatus(patch: Partial<AgentProcessStatus>): void {
    status = { ...status, ...patch };
    deps.onState?.(status);
  }

  function log(line: string): void {
    lines.push(line);
    if (lines.length > logLimit) lines.splice(0, lines.length - logLimit);
    deps.onLog?.(line);
  }

  async function launch(): Promise<AgentProcessStatus> {
    setStatus({ state: 'starting', httpUrl: undefined });
    if (deps.pidFile) await stopLeftoverAgent(deps.pidFile, deps.agentPath);
    // This run's last lines: where its reason for stopping is found.
    const recent: string[] = [];
    // stdin is a pipe nobody writes to: when this process dies, the agent sees it close and stops.
    const proc = deps.spawn(deps.nodePath, [deps.agentPath], {
      env: { ...deps.env(), MONO_EXIT_WITH_PARENT: '1' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    child = proc;
    if (deps.pidFile) recordPid(deps.pidFile, proc.pid);
    return new Promise((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(
        () =>
          fail(
            new AgentStartError('The agent did not report ready in time. See the log on the Server screen.'),
          ),
        deps.startTimeoutMs ?? 20_000,
      );
      function fail(error: AgentStartError): void {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error.reason) setStatus({ reason: error.reason });
        reject(error);
      }
      for (const stream of [proc.stdout, proc.stderr]) {
        if (!stream) continue;
        createInterface({ input: stream }).on('line', (line) => {
          log(line);
          recent.push(line);
          if (recent.length > 50) recent.shift();
          const address = !settled ? readyAddress(line) : undefined;
          if (address) {
            settled = true;
            clearTimeout(timer);
            consecutiveCrashes = 0;
            setStatus({ state: 'running', httpUrl: address, pid: proc.pid, reason: undefined });
            resolve(status);
          }
        });
      }
      proc.on('error', (error) => fail(new AgentStartError(`Could not start the agent: ${error.message}`)));
      // 'close', not 'exit': by then every line the agent wrote has been read, its last words included.
      proc.on('close', (code, signal) => {
        if (child === proc) child = undefined;
        if (deps.pidFile) forgetPid(deps.pidFile, proc.pid);
        const lastExit = { code, signal, at: new Date().toISOString() };
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
        if (!wanted) return;
        consecutiveCrashes += 1;
        setStatus({
          state: 'crashed',
          lastExit,
          httpUrl: undefined,
          pid: undefined,
          ...(reason && { reason }),
        });
        const delay = backoffDelay(consecutiveCrashes, RESTART_BACKOFF);
        restartTimer = setTimeout(() => {
          restartTimer = undefined;
          if (!wanted) return;
          setStatus({ restarts: status.restarts + 1 });
          launch().catch(() => {});
        }, delay);
      });
    });
  }

  async function stop(options: { paused?: boolean } = {}): Promise<void> {
    wanted = false;
    if (restartTimer) clearTimeout(restartTimer);
    restartTimer = undefined;
    const proc = child;
    if (proc && proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise<void>((resolve) => proc.once('close', () => resolve()));
      proc.kill('SIGTERM');
      const killer = setTimeout(() => proc.kill('SIGKILL'), 6_000);
      await exited;
      clearTimeout(killer);
    }
    setStatus({ state: options.paused ? 'paused' : 'stopped', httpUrl: undefined, pid: undefined });
  }

  return {
    async start() {
      if (wanted && starting) return starting;
      if (wanted && child) return status;
      wanted = true;
      starting = launch().finally(() => {
        starting = undefined;
      });
      return starting;
    },
    stop,
    async restart() {
      await stop();
      wanted = true;
      return launch();
    },
    status: () => status,
    logs: (limit) => lines.slice(-limit),
  };
}
