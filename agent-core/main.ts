// mono-agent: the headless agent's entry point (the deployable bundle agent-core/dist/mono-agent.js).
// Configuration from the environment; exit code 2 for bad configuration, 1 for a failed start or a crash.
import { ConfigError, loadConfig } from './config/config.ts';
import { openConfiguredDatastore } from './db/datastore.ts';
import type { Datastore } from './db/datastore-types.ts';
import { DatastoreLockedError } from './db/errors.ts';
import { acceptHandOvers, preloadAndWaitForTurn, startedByHandOver } from './handover.ts';
import { inheritedListenFd } from './http/listen-fd.ts';
import { configuredSecrets, createLogger, type Logger } from './log/logger.ts';
import { errorMessage } from './util/error-message.ts';
import { sleep } from './util/sleep.ts';

const SHUTDOWN_DEADLINE_MS = 5000;
const HANDOVER = 'hand-over';

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
  const log = createLogger({
    level: config.logLevel,
    name: 'mono-agent',
    secrets: configuredSecrets(config),
  });
  // A bug in one turn must not take the agent down for everyone: log it loudly and carry on.
  process.on('unhandledRejection', (reason) => log.error({ err: reason }, 'unhandled promise rejection'));
  exitOnUncaught(log);
  // Taken before anything can start a child process (the variables that name the socket are removed).
  inheritedListenFd();
  const handedOver = startedByHandOver();
  if (handedOver) await preloadAndWaitForTurn(config, log);
  let agent: Awaited<ReturnType<typeof import('./agent-app.ts').startAgent>>;
  try {
    // The embedded engine opens on its own threads while the rest of the agent's code loads.
    const opening = handedOver ? openOnceReleased(config, log) : openConfiguredDatastore(config, log);
    opening.catch(() => {}); // reported by startAgent below
    const { startAgent } = await import('./agent-app.ts');
    agent = await startAgent(config, log, opening);
  } catch (error) {
    log.fatal({ err: error }, `MONO could not start: ${errorMessage(error)}`);
    // A full disk stops the engine from opening: wait for space rather than fail again every second.
    await (await import('./health/wait-for-disk.ts')).waitWhileDiskFull(config.dataDir, log);
    // The embedded engine can keep the process alive: exit explicitly.
    process.exit(1);
  }

  let stopping = false;
  /** Drains and stops the agent; false if a stop had already begun. */
  const stop = async (signal: string): Promise<boolean> => {
    if (stopping) return false;
    stopping = true;
    log.info({ signal }, 'stopping');
    // Whatever happens, the process is gone before systemd's or the user's patience runs out. A hand-over that
    // never finished exits as a failure, so that systemd starts the service again.
    setTimeout(() => process.exit(signal === HANDOVER ? 1 : 0), SHUTDOWN_DEADLINE_MS).unref();
    await agent
      .stop(SHUTDOWN_DEADLINE_MS - 1000, { exiting: true })
      .catch((error) => log.error({ err: error }, 'error while stopping'));
    return true;
  };
  const shutdown = (signal: string) => {
    void stop(signal).then((stopped) => {
      if (!stopped) return;
      log.info('stopped');
      process.exit(0);
    });
  };
  if (config.pidFile) acceptHandOvers({ pidFile: config.pidFile, log, stop: () => stop(HANDOVER) });
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  if (config.exitWithParent) {
    // The desktop holds the other end of stdin: killed or crashed, it can no longer own this agent.
    process.stdin.once('end', () => shutdown('parent exited'));
    process.stdin.once('error', () => shutdown('parent exited'));
    process.stdin.resume();
  }
}

/**
 * After a hand-over the old release's engine lets go of the datastore's files only as its process exits (see
 * DESIGN, known traps): try again until it has, for a bounded time.
 */
async function openOnceReleased(
  config: Parameters<typeof openConfiguredDatastore>[0],
  log: Logger,
): Promise<Datastore> {
  const until = Date.now() + 15_000;
  for (;;) {
    try {
      return await openConfiguredDatastore(config, log);
    } catch (error) {
      if (!(error instanceof DatastoreLockedError) || Date.now() > until) throw error;
      await sleep(5);
    }
  }
}

/**
 * The last resort: an exception nothing caught leaves the process in a state nobody can vouch for, so say what
 * happened (the logger blanks every configured secret) and exit non-zero; systemd restarts the agent, and the
 * journal shows why.
 */
function exitOnUncaught(log: Logger): void {
  process.on('uncaughtException', (error, origin) => {
    try {
      const err = error instanceof Error ? error : new Error(String(error));
      log.fatal({ origin, err }, `MONO stopped on an unexpected error: ${err.message}`);
    } finally {
      process.exit(1);
    }
  });
}

// The same bundle backs up and restores the data of the agent it is. `mono backup` and `mono restore` look for
// these markers in a release's bundle before calling it: a release without the commands would start an agent.
const AGENT_COMMANDS = { backup: 'mono-agent:backup', restore: 'mono-agent:restore' } as const;
const command = process.argv[2];
if (command !== undefined && Object.hasOwn(AGENT_COMMANDS, command)) {
  const { runAgentCommand } = await import('./backup/agent-command.ts');
  // The embedded engine can keep the process alive: exit explicitly.
  process.exit(await runAgentCommand(command as keyof typeof AGENT_COMMANDS, process.argv.slice(3)));
} else {
  await main();
}
