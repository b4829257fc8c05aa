// Telegram as the agent wires it: the channel, its allowlist, and POST /telegram when updates come by webhook.
import type { Logger } from '../../log/logger.ts';
import type { ChannelSetup } from '../channel-setup.ts';
import type { TelegramConfig } from './config.ts';
import { TelegramChannel } from './telegram-channel.ts';

export function telegramSetup(config: TelegramConfig, log: Logger): ChannelSetup {
  const telegram = new TelegramChannel(config, log);
  return {
    channel: telegram,
    allow: config.allow,
    mode: () => telegram.mode,
    attach: async ({ stateChanged }) => {
      telegram.onStateChange = stateChanged;
    },
    routes: (router) =>
      router.post('/telegram', async (request) =>
        telegram.handleWebhook(request.header('x-telegram-bot-api-secret-token'), await request.text()),
      ),
  };
}
