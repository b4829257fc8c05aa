// Tells the owner something about the WhatsApp link on another channel (WhatsApp itself may be what is down).
import type { Logger } from '../../../log/logger.ts';
import { type ChannelContext, sendNotice } from '../../channel-setup.ts';

export async function noticeToOwner(
  context: ChannelContext | undefined,
  text: string,
  log: Logger,
): Promise<void> {
  const target = context?.owner('whatsapp');
  if (!context || !target) {
    log.warn('no other channel to tell the owner about the WhatsApp link');
    return;
  }
  try {
    await sendNotice(context, target, text);
  } catch (error) {
    log.warn({ err: error }, 'could not tell the owner about the whatsapp link');
  }
}
