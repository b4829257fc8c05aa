// Builds the configured channels with what the rest of the agent needs from each: the allowlist, the HTTP
// routes it serves (webhooks), and the mode it reports on /healthz. Add a channel here, nowhere else.
import type { Hono } from 'hono';
import type { AgentConfig, Allowlist } from '../config/config.ts';
import type { ChannelName } from '../contract/tables.ts';
import type { Logger } from '../log/logger.ts';
import type { Channel } from './channel.ts';
import { TelegramChannel } from './telegram/telegram-channel.ts';

export interface ChannelSetup {
  channel: Channel;
  allow: Allowlist;
  /** Webhook routes on the agent's HTTP server. */
  routes?: (app: Hono) => void;
  /** What /healthz says about this channel (e.g. "polling", "webhook"). */
  mode(): string;
}

/** Every channel MONO knows, so /healthz can say "off" for the ones not configured. */
export const CHANNEL_NAMES: ChannelName[] = ['telegram'];

export function setupChannels(config: AgentConfig, log: Logger): ChannelSetup[] {
  const setups: ChannelSetup[] = [];
  if (config.telegram) {
    const telegram = new TelegramChannel(config.telegram, log.child({ channel: 'telegram' }));
    setups.push({
      channel: telegram,
      allow: config.telegram.allow,
      mode: () => telegram.mode,
      routes: (app) =>
        app.post('/telegram', async (c) => {
          const secret = c.req.header('x-telegram-bot-api-secret-token');
          const result = await telegram.handleWebhook(secret, await c.req.text());
          return c.text(result.body, result.status as 200);
        }),
    });
  }
  return setups;
}
