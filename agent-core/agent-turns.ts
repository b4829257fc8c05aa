// Builds the parts that answer messages — the owner, Claude behind its gates, the tools, the assistant, the turn
// runner, held messages, owner commands, jobs and media retention — for agent-app.ts to start and stop. Nothing
// here starts: tools, jobs and hooks deliver through the runner's per-conversation queue, which needs the assistant
// that needs the tools, so the runner and the scheduler are reached through late-bound closures.

import type { Surreal } from 'surrealdb';
import { Assistant } from './agent/assistant.ts';
import { createClaudeClient } from './agent/claude.ts';
import { HeldMessages } from './agent/held-messages.ts';
import { Owner } from './agent/owner.ts';
import type { Settings } from './agent/settings.ts';
import { TurnRunner } from './agent/turns.ts';
import { BudgetGuard } from './budget/guard.ts';
import type { Channel } from './channels/channel.ts';
import type { ChannelSetup } from './channels/channel-setup.ts';
import { OwnerCommands } from './commands/owner-commands.ts';
import type { AgentConfig } from './config/config.ts';
import type { Allowlist } from './config/values.ts';
import type { ChannelName } from './contract/tables.ts';
import { Delivery } from './delivery/delivery.ts';
import type { FaultGuards } from './health/guards.ts';
import { gatedClaude } from './health/upstreams.ts';
import { Scheduler } from './jobs/scheduler.ts';
import type { Logger } from './log/logger.ts';
import type { MediaFiles } from './media/files.ts';
import { MediaPreparer } from './media/prepare.ts';
import { MediaRetention } from './media/retention.ts';
import type { MessageRecord } from './store/messages.ts';
import type { OwnerAccounts } from './store/owners.ts';
import { collectTools } from './tools/index.ts';
import { VERSION } from './version.ts';

export interface TurnPartsDeps {
  config: AgentConfig;
  log: Logger;
  db: Surreal;
  guards: FaultGuards;
  settings: Settings;
  owners: OwnerAccounts;
  files: MediaFiles;
  setups: readonly ChannelSetup[];
  channels: Map<ChannelName, Channel>;
  allowlists: Map<ChannelName, Allowlist>;
  startedAt: number;
}

export function buildTurnParts(deps: TurnPartsDeps) {
  const { config, log, db, guards, settings, owners, files, setups, channels, allowlists } = deps;
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
    startedAt: deps.startedAt,
    channels: () => Object.fromEntries([...channels].map(([name, channel]) => [name, channel.state().state])),
    tools: () => tools,
    timezone: () => owner.timezone(),
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
      spareBytes: () => guards.disk.spareForFiles(),
      spent: (usd) => budget.ledger.add(usd),
      ...(config.media.stt ? { stt: config.media.stt } : {}),
    }),
    files,
  });
  const retention = new MediaRetention({ db, files, log, settings });
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
  return { owner, budget, claude, assistant, held, runner, retention, scheduler };
}
