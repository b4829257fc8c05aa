// Wires the desktop's chat into the agent: always there (it needs nothing configured), owner-only by construction.
import type { Logger } from '../../log/logger.ts';
import type { ChannelSetup } from '../channel-setup.ts';
import { DesktopChannel } from './desktop-channel.ts';

export function desktopSetup(log: Logger): ChannelSetup {
  const channel = new DesktopChannel(log);
  return {
    channel,
    // Nobody but the owner writes here; Owner.isOwner says so for the channel as a whole.
    allow: { everyone: false, ids: new Set() },
    mode: () => 'hub',
    async attach(context) {
      channel.attach(context.db);
    },
  };
}
