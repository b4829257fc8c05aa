// Builds the configured channels with what the rest of the agent needs from each: the allowlist, the HTTP
// routes it serves (webhooks), and the mode it reports on /healthz. Add a channel here, nowhere else.
import type { ChatTarget } from '../agent/owner.ts';
import type { AgentConfig } from '../config/config.ts';
import type { Allowlist } from '../config/values.ts';
import type { ChannelName } from '../contract/tables.ts';
import type { Logger } from '../log/logger.ts';
import type { ChannelSetup } from './channel-setup.ts';
import { desktopSetup } from './desktop/setup.ts';
import { telegramSetup } from './telegram/setup.ts';

/**
 * Every channel MONO knows, so /healthz can say "off" for the ones not configured. (The desktop's chat is always
 * there and lives on the db hub, which /healthz does not speak for.)
 */
export const CHANNEL_NAMES: ChannelName[] = ['telegram', 'whatsapp', 'email'];

/**
 * Channels are loaded only when configured (dynamic imports become chunks of their own in the bundle): an
 * agent without email never parses or keeps the IMAP and MIME libraries.
 */
export async function setupChannels(config: AgentConfig, log: Logger): Promise<ChannelSetup[]> {
  // The owner's chat in the desktop app: always there, it needs nothing configured.
  const setups: ChannelSetup[] = [desktopSetup(log.child({ channel: 'desktop' }))];
  if (config.telegram) {
    setups.push(telegramSetup(config.telegram, log.child({ channel: 'telegram' })));
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
