// Wires email into the agent: the channel (mailbox watch, notices, plain sends) and its tools for Claude.
import type { Logger } from '../../log/logger.ts';
import { MediaFiles } from '../../media/files.ts';
import type { ChannelSetup } from '../channel-setup.ts';
import type { EmailConfig } from './config.ts';
import { EmailChannel } from './email-channel.ts';
import { emailTools } from './tools.ts';

export function emailSetup(config: EmailConfig, log: Logger, dataDir: string): ChannelSetup {
  const files = new MediaFiles(dataDir);
  const channel = new EmailChannel(config, log, { files });
  return {
    channel,
    // Nobody chats with the model by mail: the owner is reached in their chat channel instead.
    allow: { everyone: false, ids: new Set() },
    mode: () => (channel.state().state === 'connected' ? 'imap-idle' : channel.state().state),
    tools: emailTools(config, channel.mailer, files),
    async attach(context) {
      channel.attach(context);
    },
  };
}
