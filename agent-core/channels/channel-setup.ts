// What every channel gives the agent (ChannelSetup) and what the agent gives a channel that keeps rows of its own
// (ChannelContext). Channels implement this; registry.ts wires the configured ones.
import type { Surreal } from 'surrealdb';
import type { ClaudeClient } from '../agent/claude.ts';
import type { ChatTarget } from '../agent/owner.ts';
import type { Allowlist } from '../config/values.ts';
import type { ChannelName } from '../contract/tables.ts';
import type { Router } from '../http/router.ts';
import { type MessageRecord, recordOutbound } from '../store/messages.ts';
import type { AgentTool } from '../tools/tool.ts';
import type { Channel } from './channel.ts';

export interface ChannelSetup {
  channel: Channel;
  allow: Allowlist;
  /** Webhook routes on the agent's HTTP server. */
  routes?: (router: Router) => void;
  /** What /healthz says about this channel (e.g. "polling", "webhook"). */
  mode(): string;
  /** Called once the datastore and turn runner exist, before start: for channels that keep rows of their own. */
  attach?(context: ChannelContext): Promise<void>;
  /** Tools the channel gives Claude (e.g. reply to a mail). */
  tools?: AgentTool[];
}

export interface ChannelContext {
  db: Surreal;
  /** Delivers an outbound message that is already stored (a notice to the owner). */
  deliver(message: MessageRecord, chatId: string): void;
  /** The channel's state() changed: write it to agent_status now rather than at the next heartbeat. */
  stateChanged(): void;
  /** Where the owner is reached (their chat), for notices such as new mail; `except` skips a channel that is down. */
  owner(except?: ChannelName): ChatTarget | undefined;
  claude?: ClaudeClient;
  /** False while the owner paused the agent or the budget is spent: no calls to Claude then. */
  mayUseClaude(): Promise<boolean>;
}

/** Tells the owner something from a channel: the notice is stored first, then delivered. */
export async function sendNotice(context: ChannelContext, target: ChatTarget, text: string): Promise<void> {
  const notice = await recordOutbound(context.db, {
    channel: target.channel,
    chatId: target.chatId,
    role: 'notice',
    text,
  });
  context.deliver(notice, target.chatId);
}
