// The packaged app runs the local agent as an Electron utility process (Node in a Chromium service), not as
// Electron-run-as-Node: that is what lets the RunAsNode fuse stay off, so no one can turn the signed MONO binary
// into a general-purpose Node runtime with ELECTRON_RUN_AS_NODE. This adapts a utility process to what the
// supervisor expects of a child process; it takes `fork` as a parameter so it is tested without Electron.
import { EventEmitter } from 'node:events';
import type { AgentChild, SpawnAgent } from '../services/agent-supervisor.ts';

/** The part of Electron's UtilityProcess used here. */
export interface UtilityProcessLike {
  readonly pid: number | undefined;
  readonly stdout: NodeJS.ReadableStream | null;
  readonly stderr: NodeJS.ReadableStream | null;
  kill(): boolean;
  on(event: 'spawn', listener: () => void): unknown;
  on(event: 'exit', listener: (code: number) => void): unknown;
  on(event: 'error', listener: (type: string, location: string) => void): unknown;
}

export type ForkUtility = (
  modulePath: string,
  args: string[],
  options: { env: Record<string, string>; stdio: 'pipe'; serviceName: string },
) => UtilityProcessLike;

export function utilitySpawnAgent(fork: ForkUtility, onFatal?: (detail: string) => void): SpawnAgent {
  return (agentPath, env) => {
    const utility = fork(agentPath, [], { env, stdio: 'pipe', serviceName: 'MONO agent' });
    const events = new EventEmitter();
    let exitCode: number | null = null;
    let signalCode: string | null = null;
    let killedWith: NodeJS.Signals | undefined;
    // A fatal V8 error in the agent: Electron reports it here, and 'exit' follows.
    utility.on('error', (type, location) => onFatal?.(`${type} at ${location}`));
    utility.on('exit', (code) => {
      // Electron reports the code only; a kill is reported as the signal that was sent, like a child process.
      if (killedWith && code !== 0) signalCode = killedWith;
      else exitCode = code;
      events.emit('exit', exitCode, signalCode);
    });
    const child: AgentChild = {
      get pid() {
        return utility.pid;
      },
      stdout: utility.stdout,
      stderr: utility.stderr,
      get exitCode() {
        return exitCode;
      },
      get signalCode() {
        return signalCode;
      },
      kill(signal: NodeJS.Signals = 'SIGTERM') {
        killedWith = signal;
        // utility.kill() sends SIGTERM (graceful); a stuck agent gets SIGKILL from here, by its pid.
        if (signal === 'SIGKILL' && utility.pid) {
          try {
            process.kill(utility.pid, 'SIGKILL');
            return true;
          } catch {
            return false;
          }
        }
        return utility.kill();
      },
      // biome-ignore lint/suspicious/noExplicitAny: EventEmitter's own listener type; AgentChild narrows it.
      on: (event: string, listener: (...args: any[]) => void) => events.on(event, listener),
      once: (event: string, listener: () => void) => events.once(event, listener),
    };
    return child;
  };
}
