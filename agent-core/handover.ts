// Hand-over: how an update switches releases without a restart. A restart stops the old release and only then
// starts Node and loads the new bundle while messages wait (495–687 ms from the old release's last reply to the
// new one's first on the test VPS; 186–281 ms with a hand-over). Instead, the running agent
// (told by SIGUSR2, see src-main/provision/commands/systemd.ts) starts the release `current` now names as its
// child, beside itself; the child loads everything it can without the datastore and says so; only then does the
// old agent stop (the same drain as SIGTERM), write the child's PID to the unit's PIDFile= and exit. systemd takes
// the child as the service's main process; the child opens the datastore (the embedded engine admits one process:
// it waits for the old one's lock) and starts. The listening socket is passed on, so webhooks wait in it.
// Anything wrong before the old agent stops (the new bundle does not load, crashes, takes too long) leaves the
// old agent running and the PID file removed: the deploy then falls back to a plain restart.
import type { ChildProcess } from 'node:child_process';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { AgentConfig } from './config/config.ts';
import { inheritedListenFd } from './http/listen-fd.ts';
import type { Logger } from './log/logger.ts';
import { errorMessage } from './util/error-message.ts';

export const HANDOVER_SIGNAL = 'SIGUSR2';
/** How long the new release may take to load before the old one gives up on it and keeps running. */
const PRELOAD_TIMEOUT_MS = 10_000;

type Message = { type: 'preloaded' } | { type: 'go' };

/** True in a release started by a hand-over (until it has taken over). */
export function startedByHandOver(): boolean {
  return process.env.MONO_HANDOVER === '1' && typeof process.send === 'function';
}

/**
 * In the new release: loads what the first messages will need while the old release still answers them, tells
 * it, and resolves once it has stopped. Exits if the old release goes away without handing over (systemd then
 * restarts the service as after any crash).
 */
export async function preloadAndWaitForTurn(config: AgentConfig, log: Logger): Promise<void> {
  delete process.env.MONO_HANDOVER;
  let handedOver = false;
  process.once('disconnect', () => {
    if (handedOver) return;
    log.error('the running release went away before handing over: exiting');
    process.exit(1);
  });
  const turn = new Promise<void>((resolve) =>
    process.on('message', (message: Message) => {
      if (message?.type !== 'go') return;
      handedOver = true;
      resolve();
    }),
  );
  await Promise.all([
    import('./agent-app.ts'),
    config.anthropic.apiKey ? import('@anthropic-ai/sdk') : undefined,
    config.telegram ? Promise.all([import('grammy'), import('@grammyjs/auto-retry')]) : undefined,
    // Node loads its HTTP client (undici, its parser compiled to WebAssembly) on the first fetch: ~50 ms the
    // first reply would wait. A look at the running release's /healthz pays that now.
    fetch(`http://${config.http.host}:${config.http.port}/healthz`, { signal: AbortSignal.timeout(2000) })
      .then((response) => response.arrayBuffer())
      .catch(() => undefined),
  ]);
  process.send?.({ type: 'preloaded' } satisfies Message);
  await turn;
  process.channel?.unref();
}

interface HandOverOptions {
  /** The unit's PIDFile= (MONO_PID_FILE). */
  pidFile: string;
  log: Logger;
  /** The same drain as SIGTERM's; resolves false if a stop had already begun. */
  stop: () => Promise<boolean>;
}

/**
 * In the running release, under systemd: names this process in the PID file — which also tells the deploy that
 * this release can hand over — and hands over on HANDOVER_SIGNAL.
 */
export function acceptHandOvers(options: HandOverOptions): void {
  let busy = false;
  process.on(HANDOVER_SIGNAL, () => {
    if (busy) return;
    busy = true;
    handOver(options).finally(() => {
      busy = false;
    });
  });
  // Only once the signal is handled: before, it would end the process (Node's default for SIGUSR2).
  writePidFile(options.pidFile, process.pid);
}

async function handOver(options: HandOverOptions): Promise<void> {
  const { pidFile, log } = options;
  const script = process.argv[1]!;
  log.info('handing over: starting the release now in place beside this one');
  const listenFd = inheritedListenFd();
  let child: ChildProcess;
  try {
    // Loaded here, not at start: every start would pay ~5 ms for a module only a hand-over uses.
    const { spawn } = await import('node:child_process');
    child = spawn(process.execPath, [...process.execArgv, script], {
      // `current` resolved now: the new release (this process still runs in the one it started in).
      cwd: dirname(script),
      env: { ...process.env, MONO_HANDOVER: '1', ...(listenFd !== undefined ? { MONO_LISTEN_FD: '3' } : {}) },
      stdio: ['ignore', 'inherit', 'inherit', listenFd ?? 'ignore', 'ipc'],
    });
  } catch (error) {
    return refuse(pidFile, log, `it could not be started (${errorMessage(error)})`);
  }
  const outcome = await new Promise<'preloaded' | string>((resolve) => {
    const timer = setTimeout(
      () => resolve(`it did not load within ${PRELOAD_TIMEOUT_MS / 1000} s`),
      PRELOAD_TIMEOUT_MS,
    );
    child.once('message', (message: Message) => {
      clearTimeout(timer);
      resolve(message?.type === 'preloaded' ? 'preloaded' : 'it answered something unexpected');
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(`it exited while loading (${signal ?? `status ${code}`})`);
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      resolve(`it could not be started (${errorMessage(error)})`);
    });
  });
  if (outcome !== 'preloaded') {
    child.kill('SIGKILL');
    return refuse(pidFile, log, outcome);
  }
  if (!(await options.stop())) {
    child.kill('SIGKILL');
    return;
  }
  // systemd reads the PID file when this process exits and takes the child as the service's main process.
  writePidFile(pidFile, child.pid!);
  child.send({ type: 'go' } satisfies Message, (error) => {
    log.info({ to: child.pid }, 'stopped');
    // Without a new process to take over, a failure exit: systemd restarts the service.
    process.exit(error ? 1 : 0);
  });
}

/** The new release failed before anything stopped: this one keeps running, and the deploy restarts instead. */
function refuse(pidFile: string, log: Logger, why: string): void {
  rmSync(pidFile, { force: true });
  log.error(
    `hand-over refused: the release now in place failed before taking over, ${why}; this release keeps running`,
  );
}

function writePidFile(path: string, pid: number): void {
  const temporary = `${path}.${process.pid}`;
  writeFileSync(temporary, `${pid}\n`);
  renameSync(temporary, path);
}
