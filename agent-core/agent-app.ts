// Assembles the agent from its parts (datastore, guards, channels, turn runner, HTTP, hub) and takes it apart again.
// Each part is registered with its stop as it starts: a failed start stops what already started, and a stop takes
// everything apart in the order STOP_STAGES gives.
import type { Surreal } from 'surrealdb';
import { watchClaude } from './agent/claude-watch.ts';
import { HistoryPrefetch } from './agent/history-prefetch.ts';
import { PendingReplyWatcher } from './agent/pending-replies.ts';
import { Settings } from './agent/settings.ts';
import { agentHealth } from './agent-health.ts';
import { buildTurnParts } from './agent-turns.ts';
import type { Channel, InboundMessage } from './channels/channel.ts';
import { ownerTarget, setupChannels } from './channels/registry.ts';
import { isPaused } from './commands/pause.ts';
import type { AgentConfig } from './config/config.ts';
import type { Allowlist } from './config/values.ts';
import type { ChannelName } from './contract/tables.ts';
import { openConfiguredDatastore } from './db/datastore.ts';
import type { Datastore } from './db/datastore-types.ts';
import { applySchema } from './db/schema.ts';
import { markUnknownFates } from './delivery/in-flight.ts';
import { FaultWatch } from './health/fault-watch.ts';
import { startFaultGuards } from './health/guards.ts';
import { waitForDisk } from './health/wait-for-disk.ts';
import { diskWriteGate } from './health/write-gate.ts';
import { Hooks } from './hooks/routes.ts';
import { createHttpApp, listen, type RunningServer } from './http/app.ts';
import { startAgentHub } from './hub/start-agent-hub.ts';
import type { Logger } from './log/logger.ts';
import { MediaFiles } from './media/files.ts';
import { historyReadLimit } from './memory/summary.ts';
import { PairingWatcher } from './pairing/pairing-watcher.ts';
import { AgentStatus } from './store/agent-status.ts';
import { conversationId, storeInbound } from './store/messages.ts';
import { OwnerAccounts } from './store/owners.ts';
import { part, StartedParts } from './util/started-parts.ts';
import { VERSION } from './version.ts';

export interface RunningAgent {
  http: RunningServer['address'];
  hubAddress?: string;
  db: Surreal;
  /**
   * Stops taking work, finishes or parks turns in flight (at most `graceMs`), closes everything. `exiting`: the
   * process exits right after (an update's restart waits for that exit before the next release starts).
   */
  stop(graceMs?: number, options?: { exiting?: boolean }): Promise<void>;
}

/**
 * The order the agent stops in, stage by stage, the last started first within a stage. The fault watchers go
 * first, so a part being stopped is not taken for a fault; then nothing new is taken in (channels, HTTP); the work
 * in flight finishes or is parked within the grace (jobs, hooks, turns); then the background work and the views
 * kept of the datastore; the datastore and what serves it (status heartbeat, hub) last.
 */
const STOP_STAGES = ['fault-watch', 'intake', 'work', 'background', 'datastore'] as const;
type Stage = (typeof STOP_STAGES)[number];

/** `opening`: a datastore already being opened (main.ts starts that first, to overlap it with loading code). */
export async function startAgent(
  config: AgentConfig,
  log: Logger,
  opening: Promise<Datastore> = openConfiguredDatastore(config, log),
): Promise<RunningAgent> {
  const parts = new StartedParts<Stage>(STOP_STAGES);
  // What is left of the grace a stop gives the work in flight; a failed start gives none.
  let deadline = Date.now();
  const graceLeft = (reserveMs: number) => Math.max(0, deadline - Date.now() - reserveMs);
  const stopping = { exiting: false };
  try {
    const running = await assemble(config, log, opening, parts, graceLeft, stopping);
    return {
      ...running,
      async stop(graceMs = 4000, options = {}) {
        deadline = Date.now() + graceMs;
        stopping.exiting = options.exiting === true;
        await parts.stop();
      },
    };
  } catch (error) {
    const failed = await parts.abandon('the agent', error);
    const notStopped = failed.stopFailures.map((failure) => failure.part);
    log.error(
      { part: failed.part, not_stopped: notStopped },
      `${failed.part} did not start; stopped the rest`,
    );
    // The part's own error: its message is what the owner reads (the desktop shows it as it is).
    throw failed.error;
  }
}

async function assemble(
  config: AgentConfig,
  log: Logger,
  opening: Promise<Datastore>,
  parts: StartedParts<Stage>,
  graceLeft: (reserveMs: number) => number,
  stopping: { exiting: boolean },
): Promise<Omit<RunningAgent, 'stop'>> {
  const startedAt = Date.now();
  const datastore = await parts.start({
    name: 'datastore',
    stage: 'datastore',
    start: () => opening,
    stop: (opened) => opened.close({ exiting: stopping.exiting }),
  });
  const { db } = datastore;
  // Disk, memory, reachability: before anything is written or taken in (see health/).
  const guards = await parts.start({
    name: 'fault guards',
    stage: 'fault-watch',
    start: () => startFaultGuards(config, log),
    stop: (started) => started.stop(),
  });
  datastore.engine?.gate(diskWriteGate(guards.disk, datastore.engine.codec));
  // On a full disk the start waits here, its own server answering on the agent's port; that server then serves the
  // agent's routes (the http part below), so the socket systemd passed is never closed.
  const waitedForDisk = await parts.start({
    name: 'disk space',
    stage: 'intake',
    start: () => waitForDisk(guards.disk, config.http, log, VERSION),
    stop: (server) => server?.close(),
  });
  await parts.start({ name: 'schema', start: () => applySchema(db, log) });

  // Start-up steps that do not depend on each other run together: each is a few datastore round trips.
  const settings = new Settings(db, log);
  const owners = new OwnerAccounts(db, log);
  const files = new MediaFiles(config.dataDir);
  const [setups] = await parts.startTogether([
    { name: 'channel setup', start: () => setupChannels(config, log) },
    { name: 'settings', stage: 'background', start: () => settings.load(), stop: () => settings.close() },
    { name: 'owners', stage: 'background', start: () => owners.load(), stop: () => owners.close() },
    { name: 'media files', start: () => files.init() },
  ]);
  const channels = new Map<ChannelName, Channel>(setups.map((setup) => [setup.channel.name, setup.channel]));
  const allowlists = new Map<ChannelName, Allowlist>(
    setups.map((setup) => [setup.channel.name, setup.allow]),
  );
  if (setups.every((setup) => setup.channel.name === 'desktop')) {
    log.warn('no channel is configured: set TELEGRAM_BOT_TOKEN so people can talk to the agent');
  }

  const turns = buildTurnParts({
    config,
    log,
    db,
    guards,
    settings,
    owners,
    files,
    setups,
    channels,
    allowlists,
    startedAt,
  });
  const { owner, budget, claude, assistant, held, runner, retention, scheduler } = turns;
  parts.add('held messages', () => held.stop(), 'background');

  const status = new AgentStatus(
    db,
    VERSION,
    channels,
    log,
    () => owner.exists(),
    () => claude?.state?.(),
    () => guards.disk.state.level !== 'critical',
  );
  const beatNow = () => void status.beat().catch((error) => log.warn({ err: error }, 'status update failed'));
  // A claim or the desktop's write changes who the owner is, a call finds Claude's key refused: agent_status
  // follows at once.
  owners.onChange(beatNow);
  claude?.onStateChange?.(beatNow);
  const faults = new FaultWatch({
    db,
    log: log.child({ part: 'faults' }),
    disk: guards.disk,
    memory: guards.memory,
    upstreams: guards.upstreams,
    channels,
    lastExit: guards.lastExit,
    notifyOwner: (text) => assistant.notifyOwner(text),
    tellOwnerNow: async (text) => {
      const target = owner.target();
      if (target) await channels.get(target.channel)?.send(target.chatId, text);
    },
    ownerChannel: () => owner.target()?.channel,
    timezone: () => owner.timezone(),
    outageNoticeAfterMs: config.faults.outageNoticeAfterMs,
    startedOnFullDisk: waitedForDisk !== undefined,
  });
  const hooks = new Hooks({
    db,
    log: log.child({ part: 'hooks' }),
    settings,
    assistant,
    config: config.features,
  });
  const app = createHttpApp({
    log,
    health: agentHealth({ datastore, setups, claude, faults, startedAt }),
    routes: [...setups.flatMap((setup) => (setup.routes ? [setup.routes] : [])), hooks.routes],
    gate: guards.httpGate,
  });
  const [hub, http] = await parts.startTogether([
    // The db hub: how the desktop (and `mono pairing`) read and watch this datastore.
    part({
      name: 'db hub',
      stage: 'datastore',
      start: () =>
        startAgentHub(datastore, {
          dataDir: config.dataDir,
          socketPath: config.hub.socketPath,
          tcp: config.hub.tcp,
          credentials: config.dbCredentials,
          log,
        }),
      stop: (started) => started?.close(),
    }),
    part({
      name: 'http',
      stage: 'intake',
      start: async () => {
        if (!waitedForDisk) return listen(app, config.http.host, config.http.port);
        waitedForDisk.serve(app);
        return waitedForDisk;
      },
      stop: (started) => started.close(),
    }),
    { name: 'status', stage: 'datastore', start: () => status.start(), stop: () => status.stop() },
  ]);

  // Store first, then schedule: a message is acknowledged to its channel only after it is in the datastore.
  const prefetch = new HistoryPrefetch((conversation) => runner.isIdle(conversation));
  const receive = async (message: InboundMessage) => {
    guards.admitInbound();
    const stored = await prefetch.store(conversationId(message.channel, message.chatId), (withHistory) =>
      storeInbound(db, message, withHistory ? { historyLimit: historyReadLimit(runner.historyLimit) } : {}),
    );
    if (stored.isNew) runner.answer(stored.id, stored.conversation, 0, stored.claimed);
  };
  for (const setup of setups) {
    await setup.attach?.({
      db,
      deliver: (message, chatId) => runner.deliver(message, chatId),
      owner: (except) => ownerTarget(owner.target(), allowlists, except),
      ...(claude ? { claude } : {}),
      mayUseClaude: async () => !(await isPaused(db)) && !(await budget.check()).over,
      stateChanged: beatNow,
    });
  }
  // Unfinished turns are queued before any channel delivers a new message, so they keep their place.
  const pairings = new PairingWatcher(db, runner, log);
  const retries = new PendingReplyWatcher(db, runner, log);
  const uncertain = await markUnknownFates(db);
  if (uncertain > 0)
    log.warn(
      { replies: uncertain },
      'replies were being sent when MONO stopped: sending them again (may arrive twice)',
    );
  await parts.startTogether([
    {
      name: 'turns',
      stage: 'work',
      start: () => runner.resume(),
      stop: () => runner.drain(graceLeft(500)),
    },
    { name: 'reply retries', stage: 'background', start: () => retries.start(), stop: () => retries.stop() },
    { name: 'pairings', stage: 'background', start: () => pairings.start(), stop: () => pairings.stop() },
  ]);
  await parts.start({
    name: 'fault watch',
    stage: 'fault-watch',
    start: () => faults.start(),
    stop: () => faults.stop(),
  });
  // Channels start one after the other and stop together.
  const started: Channel[] = [];
  parts.add('channels', () => Promise.allSettled(started.map((channel) => channel.stop())), 'intake');
  for (const channel of channels.values()) {
    await parts.start({ name: `the ${channel.name} channel`, start: () => channel.start(receive) });
    started.push(channel);
  }
  await parts.startTogether([
    { name: 'hooks', stage: 'work', start: () => hooks.resume(), stop: () => hooks.stop(graceLeft(1500)) },
    {
      name: 'jobs',
      stage: 'work',
      start: () => scheduler.start(),
      stop: () => scheduler.stop(graceLeft(1500)),
    },
  ]);
  // A refused key shows before anyone writes; while Claude is not ok it is asked again now and then (for free).
  if (claude?.check) {
    const claudeCheck = watchClaude(claude.check, log);
    parts.add('claude check', () => claudeCheck.stop(), 'fault-watch');
  }
  retention.start();
  parts.add('media retention', () => retention.stop(), 'background');

  log.info(
    {
      version: VERSION,
      http: `${http.address.host}:${http.address.port}`,
      hub: hub?.address,
      db: datastore.url,
      channels: Object.fromEntries([...channels].map(([name, channel]) => [name, channel.state().state])),
      startup_ms: Date.now() - startedAt,
      startup_parts_ms: parts.startTimes,
    },
    'ready',
  );
  return { http: http.address, ...(hub ? { hubAddress: hub.address } : {}), db };
}
