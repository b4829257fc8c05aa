// Assembles the agent from its parts (datastore, hub, HTTP, channels, turn runner) and takes it apart again.
import type { Surreal } from 'surrealdb';
import { Assistant } from './agent/assistant.ts';
import { createClaudeClient } from './agent/claude.ts';
import { HealthTracker } from './agent/health.ts';
import { HeldMessages } from './agent/held-messages.ts';
import { HistoryPrefetch } from './agent/history-prefetch.ts';
import { Owner } from './agent/owner.ts';
import { PendingReplyWatcher } from './agent/pending-replies.ts';
import { Settings } from './agent/settings.ts';
import { TurnRunner } from './agent/turns.ts';
import { BudgetGuard } from './budget/guard.ts';
import type { Channel, InboundMessage } from './channels/channel.ts';
import { CHANNEL_NAMES, ownerTarget, setupChannels } from './channels/registry.ts';
import { OwnerCommands } from './commands/owner-commands.ts';
import { isPaused } from './commands/pause.ts';
import type { AgentConfig } from './config/config.ts';
import type { Allowlist } from './config/values.ts';
import type { ChannelName } from './contract/tables.ts';
import { openConfiguredDatastore } from './db/datastore.ts';
import type { Datastore } from './db/datastore-types.ts';
import { applySchema } from './db/schema.ts';
import { Delivery } from './delivery/delivery.ts';
import { markUnknownFates } from './delivery/in-flight.ts';
import { FaultWatch } from './health/fault-watch.ts';
import { startFaultGuards } from './health/guards.ts';
import { gatedClaude } from './health/upstreams.ts';
import { waitForDisk } from './health/wait-for-disk.ts';
import { diskWriteGate } from './health/write-gate.ts';
import { Hooks } from './hooks/routes.ts';
import { createHttpApp, listen, type RunningServer } from './http/app.ts';
import { startAgentHub } from './hub/start-agent-hub.ts';
import { Scheduler } from './jobs/scheduler.ts';
import type { Logger } from './log/logger.ts';
import { MediaFiles } from './media/files.ts';
import { MediaPreparer } from './media/prepare.ts';
import { MediaRetention, RETENTION_SETTING, retentionDays } from './media/retention.ts';
import { historyReadLimit } from './memory/summary.ts';
import { PairingWatcher } from './pairing/pairing-watcher.ts';
import { AgentStatus } from './store/agent-status.ts';
import { conversationId, type MessageRecord, storeInbound } from './store/messages.ts';
import { OwnerAccounts } from './store/owners.ts';
import { collectTools } from './tools/index.ts';
import { VERSION } from './version.ts';

export interface RunningAgent {
  http: RunningServer['address'];
  hubAddress?: string;
  db: Surreal;
  /** Stops taking work, finishes or parks turns in flight (at most `graceMs`), closes everything. */
  stop(graceMs?: number): Promise<void>;
}

/** `opening`: a datastore already being opened (main.ts starts that first, to overlap it with loading code). */
export async function startAgent(
  config: AgentConfig,
  log: Logger,
  opening: Promise<Datastore> = openConfiguredDatastore(config, log),
): Promise<RunningAgent> {
  const startedAt = Date.now();
  const datastore = await opening;
  const { db } = datastore;
  // Disk, memory, reachability: before anything is written or taken in (see health/).
  const guards = await startFaultGuards(config, log);
  datastore.engine?.gate(diskWriteGate(guards.disk, datastore.engine.codec));
  const startedOnFullDisk = await waitForDisk(guards.disk, config.http, log, VERSION);
  await applySchema(db, log);

  // Start-up steps that do not depend on each other run together: each is a few datastore round trips.
  const settings = new Settings(db, log);
  const owners = new OwnerAccounts(db, log);
  const files = new MediaFiles(config.dataDir);
  const [setups] = await Promise.all([
    setupChannels(config, log),
    settings.load(),
    owners.load(),
    files.init(),
  ]);
  const channels = new Map<ChannelName, Channel>(setups.map((setup) => [setup.channel.name, setup.channel]));
  const allowlists = new Map<ChannelName, Allowlist>(
    setups.map((setup) => [setup.channel.name, setup.allow]),
  );
  if (setups.every((setup) => setup.channel.name === 'desktop')) {
    log.warn('no channel is configured: set TELEGRAM_BOT_TOKEN so people can talk to the agent');
  }

  const owner = new Owner(allowlists, settings, {
    ...(config.features.timezone ? { timezone: config.features.timezone } : {}),
    ...(config.features.ownerChat ? { ownerChat: config.features.ownerChat } : {}),
    accounts: owners,
  });
  const budget = new BudgetGuard(db, settings);
  const claude = config.anthropic.apiKey
    ? gatedClaude(
        createClaudeClient({
          apiKey: config.anthropic.apiKey,
          baseUrl: config.anthropic.baseUrl,
          model: config.anthropic.model,
          budget: budget.ledger,
        }),
        guards.upstreams.get('anthropic'),
        guards.claudeSlots,
      )
    : undefined;
  // Tools, jobs and hooks deliver through the runner's per-conversation queue (created just below).
  const deliver = (message: MessageRecord, chatId: string) => runner.deliver(message, chatId);
  const tools = [
    ...collectTools({
      owner,
      channels: () => [...channels.keys()],
      deliver,
      wakeScheduler: () => scheduler.wake(),
    }),
    ...setups.flatMap((setup) => setup.tools ?? []),
  ];
  const assistant = new Assistant({
    db,
    log,
    claude,
    settings,
    owner,
    budget,
    tools: () => tools,
    deliver,
    webTools: config.media.webTools,
  });
  const held = new HeldMessages({
    db,
    pause: assistant.pause,
    log,
    answer: (id, conversation) => runner.answer(id, conversation),
  });
  const commands = new OwnerCommands({
    db,
    settings,
    budget,
    pause: assistant.pause,
    held,
    version: VERSION,
    startedAt,
    channels: () => Object.fromEntries([...channels].map(([name, channel]) => [name, channel.state().state])),
    tools: () => tools,
  });
  const runner: TurnRunner = new TurnRunner({
    db,
    channels,
    claude,
    assistant,
    commands,
    held,
    owners,
    isAllowed: (channel, userId) => {
      const allow = allowlists.get(channel);
      return allow ? allow.everyone || allow.ids.has(userId) : false;
    },
    log,
    historyLimit: config.features.historyLimit,
    delivery: new Delivery({ db, upstreams: guards.upstreams, room: (signal) => guards.disk.room(signal) }),
    room: (signal) => guards.disk.room(signal),
    media: new MediaPreparer({
      db,
      files,
      log: log.child({ part: 'media' }),
      ...(config.media.stt ? { stt: config.media.stt } : {}),
    }),
    files,
  });
  const retention = new MediaRetention({
    db,
    files,
    log,
    days: () => retentionDays(settings.get(RETENTION_SETTING)),
  });
  guards.countPending(() => runner.pending);
  const scheduler: Scheduler = new Scheduler({
    db,
    log: log.child({ part: 'jobs' }),
    assistant,
    deliver,
    tickMs: config.features.jobTickMs,
    lateAfterMs: config.features.jobLateAfterMs,
    mayStart: () => guards.disk.accepting(),
  });

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
  const health = new HealthTracker();
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
    startedOnFullDisk,
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
    health: async () => {
      const report = health.report({
        dbOk: await datastore.health(),
        channels: Object.fromEntries(
          CHANNEL_NAMES.map((name) => {
            const setup = setups.find((s) => s.channel.name === name);
            return [
              name,
              setup ? { mode: setup.mode(), ...setup.channel.state() } : { mode: 'off', state: 'off' },
            ];
          }),
        ),
        ...(claude?.state ? { claude: claude.state() } : {}),
      });
      // Faults of the machine itself (a full disk) degrade it too, beside the parts the tracker watches.
      const reasons = faults.healthReasons();
      const reason = [
        report.reason,
        ...reasons.map((part) => (part === 'disk' ? 'disk: nearly full, new messages wait' : part)),
      ].filter(Boolean);
      return {
        ...report,
        status: report.status === 'ok' && reasons.length === 0 ? 'ok' : 'degraded',
        ...(reason.length > 0 ? { reason: reason.join('; ') } : {}),
        ...(reasons.length > 0 ? { reasons } : {}),
        version: VERSION,
        uptime_s: Math.round((Date.now() - startedAt) / 1000),
      };
    },
    routes: [...setups.flatMap((setup) => (setup.routes ? [setup.routes] : [])), hooks.routes],
    gate: guards.httpGate,
  });
  const [hub, http] = await Promise.all([
    // The db hub: how the desktop (and `mono pairing`) read and watch this datastore.
    startAgentHub(datastore, {
      dataDir: config.dataDir,
      socketPath: config.hub.socketPath,
      tcp: config.hub.tcp,
      log,
    }),
    listen(app, config.http.host, config.http.port),
    status.start(),
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
  await Promise.all([runner.resume(), pairings.start(), retries.start()]);
  await faults.start();
  for (const channel of channels.values()) await channel.start(receive);
  await Promise.all([scheduler.start(), hooks.resume()]);
  // A refused key shows before anyone writes; while Claude is not ok it is asked again now and then (for free).
  const claudeCheck = claude?.check ? watchClaude(claude.check, log) : undefined;
  retention.start();

  log.info(
    {
      version: VERSION,
      http: `${http.address.host}:${http.address.port}`,
      hub: hub?.address,
      db: datastore.url,
      channels: Object.fromEntries([...channels].map(([name, channel]) => [name, channel.state().state])),
      startup_ms: Date.now() - startedAt,
    },
    'ready',
  );

  return {
    http: http.address,
    ...(hub ? { hubAddress: hub.address } : {}),
    db,
    async stop(graceMs = 4000) {
      const deadline = Date.now() + graceMs;
      claudeCheck?.stop();
      faults.stop();
      guards.stop();
      await Promise.allSettled([...channels.values()].map((channel) => channel.stop()));
      await http.close();
      await scheduler.stop(Math.max(0, deadline - Date.now() - 1500));
      await hooks.stop(Math.max(0, deadline - Date.now() - 1500));
      await runner.drain(Math.max(0, deadline - Date.now() - 500));
      await retention.stop();
      await pairings.stop();
      await retries.stop();
      held.stop();
      await owners.close();
      await settings.close();
      await status.stop();
      await hub?.close();
      await datastore.close();
    },
  };
}

const CLAUDE_RECHECK_MS = 60_000;

function watchClaude(check: () => Promise<{ state: string }>, log: Logger): { stop(): void } {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const run = () => {
    check()
      .then((health) => {
        if (stopped || health.state === 'ok') return;
        log.warn({ claude: health }, 'claude is not usable; checking again in a minute');
        timer = setTimeout(run, CLAUDE_RECHECK_MS);
        timer.unref();
      })
      .catch(() => {});
  };
  run();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
