// Builds the configured channels with what the rest of the agent needs from each: the allowlist, the HTTP
// routes it serves (webhooks), and the mode it reports on /healthz. Add a channel here, nowhere else.
import type { Surreal } from 'surrealdb';
import type { ClaudeClient } from '../agent/claude.ts';
import type { ChatTarget } from '../agent/owner.ts';
import type { AgentConfig, Allowlist } from '../config/config.ts';
import type { ChannelName } from '../contract/tables.ts';
import type { Router } from '../http/router.ts';
import type { Logger } from '../log/logger.ts';
import type { MessageRecord } from '../store/messages.ts';
import type { AgentTool } from '../tools/tool.ts';
import type { Channel } from './channel.ts';
import { TelegramChannel } from './telegram/telegram-channel.ts';

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

/** Every channel MONO knows, so /healthz can say "off" for the ones not configured. */
export const CHANNEL_NAMES: ChannelName[] = ['telegram', 'whatsapp', 'email'];

/**
 * Channels are loaded only when configured (dynamic imports become chunks of their own in the bundle): an
 * agent without email never parses or keeps the IMAP and MIME libraries.
 */
export async function setupChannels(config: AgentConfig, log: Logger): Promise<ChannelSetup[]> {
  const setups: ChannelSetup[] = [];
  if (config.telegram) {
    const telegram = new TelegramChannel(config.telegram, log.child({ channel: 'telegram' }));
    setups.push({
      channel: telegram,
      allow: config.telegram.allow,
      mode: () => telegram.mode,
      attach: async ({ stateChanged }) => {
        telegram.onStateChange = stateChanged;
      },
      routes: (router) =>
        router.post('/telegram', async (request) =>
          telegram.handleWebhook(request.header('x-telegram-bot-api-secret-token'), await request.text()),
        ),
    });
  }
  if (config.whatsapp) {
    const { whatsAppCloudSetup } = await import('./whatsapp/setup.ts');
    setups.push(whatsAppCloudSetup(config.whatsapp, log.child({ channel: 'whatsapp' })));
  }
  if (config.whatsappLinked) {
    const { whatsAppLinkedSetup } = await import('./whatsapp/linked/setup.ts');
    setups.push(
      whatsAppLinkedSetup(config.whatsappLinked, config.dataDir, log.child({ channel: 'whatsapp' })),
    );
  }
  if (config.email) {
    const { emailSetup } = await import('./email/setup.ts');
    setups.push(emailSetup(config.email, log.child({ channel: 'email' }), config.dataDir));
  }
  return setups;
}

/** The owner's chat, or when that is on `except`, the first explicit allowlist id on another channel. */
export function ownerTarget(
  preferred: ChatTarget | undefined,
  allowlists: ReadonlyMap<ChannelName, Allowlist>,
  except?: ChannelName,
): ChatTarget | undefined {
  if (preferred && preferred.channel !== except) return preferred;
  for (const [channel, allow] of allowlists) {
    if (channel === except || allow.everyone) continue;
    const [first] = allow.ids;
    if (first) return { channel, chatId: first };
  }
  return undefined;
}
