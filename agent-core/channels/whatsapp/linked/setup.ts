// Wires the linked-device channel into the agent: keys in <data dir>/whatsapp-auth (outside every release, so
// updates keep the link), Baileys loaded only now that the owner opted in.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Allowlist } from '../../../config/config.ts';
import type { Logger } from '../../../log/logger.ts';
import type { ChannelSetup } from '../../registry.ts';
import type { WhatsAppLinkedConfig } from '../config.ts';
import type { baileysSocketFactory } from './baileys-socket.ts';
import { WhatsAppLinkedChannel } from './linked-channel.ts';
import type { SocketFactory } from './socket.ts';

export function whatsAppLinkedSetup(
  config: WhatsAppLinkedConfig,
  dataDir: string,
  log: Logger,
  createSocket?: SocketFactory,
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
        (async (input) =>
          (await loadBaileys()).baileysSocketFactory({
            ...input,
            ...(config.webSocketUrl ? { webSocketUrl: config.webSocketUrl } : {}),
          })),
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

/**
 * In the built agent Baileys sits in whatsapp-linked.js beside mono-agent.js (agent-core/build.mjs); from source
 * it is the module itself. The specifier is a variable so the main bundle does not swallow the module.
 */
async function loadBaileys(): Promise<{ baileysSocketFactory: typeof baileysSocketFactory }> {
  const bundled = new URL('./whatsapp-linked.js', import.meta.url);
  const source = './baileys-socket.ts';
  return import(existsSync(fileURLToPath(bundled)) ? bundled.href : source);
}
