// Wires the linked-device channel into the agent: keys in <data dir>/whatsapp-auth (outside every release, so
// updates keep the link). Baileys (~5 MB of protocol code) is imported only now that the owner opted in: in the
// code-split bundle it is a chunk of its own that no other start reads.
import { join } from 'node:path';
import type { Allowlist } from '../../../config/values.ts';
import type { Logger } from '../../../log/logger.ts';
import type { ChannelSetup } from '../../channel-setup.ts';
import type { WhatsAppLinkedConfig } from '../config.ts';
import { WhatsAppLinkedChannel } from './linked-channel.ts';
import type { MediaDownloader, SocketFactory } from './socket.ts';

export function whatsAppLinkedSetup(
  config: WhatsAppLinkedConfig,
  dataDir: string,
  log: Logger,
  createSocket?: SocketFactory,
  downloadMedia?: MediaDownloader,
): ChannelSetup {
  // The allowlist the agent checks: MONO_ALLOW_WHATSAPP plus, once linked, the account's own number (the owner
  // writes to MONO in their "Message yourself" chat).
  const allow: Allowlist = config.allow.everyone
    ? config.allow
    : { everyone: false, ids: new Set(config.allow.ids) };
  const channel = new WhatsAppLinkedChannel(
    {
      allow,
      onOwnNumber: (number) => {
        if (!allow.everyone) (allow.ids as Set<string>).add(number);
      },
      authDir: config.authDir ?? join(dataDir, 'whatsapp-auth'),
      ...(config.pairingPhone ? { pairingPhone: config.pairingPhone } : {}),
      createSocket:
        createSocket ??
        config.createSocket ??
        (async (input) =>
          (await import('./baileys-socket.ts')).baileysSocketFactory({
            ...input,
            ...(config.webSocketUrl ? { webSocketUrl: config.webSocketUrl } : {}),
          })),
      downloadMedia:
        downloadMedia ??
        (async (source, options) =>
          (await import('./baileys-socket.ts')).baileysMediaDownloader()(source, options)),
    },
    log,
  );
  return {
    channel,
    allow,
    mode: () => 'linked',
    async attach(context) {
      channel.attach(context);
    },
  };
}
