// Wires the WhatsApp Cloud API channel into the agent: GET/POST /whatsapp on the one HTTP server, and failed
// deliveries (reported later by status webhooks) recorded on the reply they concern.
import type { Logger } from '../../log/logger.ts';
import { markDeliveryFailed } from '../../store/messages.ts';
import type { ChannelSetup } from '../channel-setup.ts';
import { WhatsAppCloudChannel } from './cloud-channel.ts';
import type { WhatsAppCloudConfig } from './config.ts';

export function whatsAppCloudSetup(config: WhatsAppCloudConfig, log: Logger): ChannelSetup {
  const channel = new WhatsAppCloudChannel(config, log);
  return {
    channel,
    allow: config.allow,
    mode: () => 'webhook',
    routes: (router) => {
      router.get('/whatsapp', (request) => channel.verify(request.query));
      // The signature covers the exact bytes Meta sent: read them raw, never re-serialised.
      router.post('/whatsapp', async (request) =>
        channel.handleWebhook(await request.body(), request.header('x-hub-signature-256')),
      );
    },
    async attach({ db, stateChanged }) {
      channel.onStateChange = stateChanged;
      channel.onDeliveryFailure = (messageId, reason) =>
        markDeliveryFailed(db, 'whatsapp', messageId, reason);
    },
  };
}
