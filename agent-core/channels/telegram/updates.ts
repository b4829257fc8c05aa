// Turns a Telegram update into an InboundMessage (or nothing, for updates the agent does not handle).
// Pure and defensive: updates may come from a webhook anyone can reach, so every field is checked.
import type { InboundMessage } from '../channel.ts';
import { telegramAttachment } from './media.ts';

/** What kind of non-text message this is (files become attachments; the rest a description). */
const MEDIA_KINDS = [
  'photo',
  'voice',
  'audio',
  'video',
  'video_note',
  'document',
  'sticker',
  'animation',
  'location',
  'contact',
  'poll',
];

const MAX_TEXT = 4096;

export type ParsedUpdate =
  | { kind: 'message'; updateId: number; message: InboundMessage }
  | { kind: 'skip'; updateId: number; reason: string }
  | { kind: 'invalid'; reason: string };

export function parseUpdate(update: unknown): ParsedUpdate {
  if (!isObject(update) || !Number.isSafeInteger(update.update_id)) {
    return { kind: 'invalid', reason: 'not a Telegram update (no integer update_id)' };
  }
  const updateId = update.update_id as number;
  const message = update.message;
  if (message === undefined) return { kind: 'skip', updateId, reason: 'not a new message' };
  if (!isObject(message) || !isObject(message.chat) || !Number.isSafeInteger(message.message_id)) {
    return { kind: 'invalid', reason: 'message without chat or message_id' };
  }
  const chat = message.chat;
  const from = message.from;
  if (!isObject(from) || !Number.isSafeInteger(from.id) || !Number.isSafeInteger(chat.id)) {
    return { kind: 'invalid', reason: 'message without sender or chat id' };
  }
  if (chat.type !== 'private') return { kind: 'skip', updateId, reason: `chat type ${String(chat.type)}` };
  if (from.is_bot === true) return { kind: 'skip', updateId, reason: 'sent by a bot' };

  const text = typeof message.text === 'string' ? message.text : undefined;
  const caption = typeof message.caption === 'string' ? message.caption : undefined;
  // Telegram never sends more (4096 for text, 1024 for captions): anything longer did not come from Telegram.
  if ((text?.length ?? 0) > MAX_TEXT || (caption?.length ?? 0) > MAX_TEXT) {
    return { kind: 'invalid', reason: `text longer than Telegram's ${MAX_TEXT} characters` };
  }
  const media = MEDIA_KINDS.find((kind) => message[kind] !== undefined);
  if (text === undefined && media === undefined)
    return { kind: 'skip', updateId, reason: 'no text or media' };

  const name = [from.first_name, from.last_name].filter((part) => typeof part === 'string' && part).join(' ');
  const date = Number.isSafeInteger(message.date) ? new Date((message.date as number) * 1000) : new Date();
  const file = media ? telegramAttachment(media, message[media]) : undefined;
  return {
    kind: 'message',
    updateId,
    message: {
      channel: 'telegram',
      chatId: String(chat.id),
      messageId: String(message.message_id),
      userId: String(from.id),
      name: (name || (typeof from.username === 'string' ? from.username : `user ${from.id}`)).slice(0, 200),
      ...(typeof from.username === 'string' ? { username: from.username.slice(0, 64) } : {}),
      text: text ?? (file ? (file.text ?? caption ?? '') : caption ? `[${media}] ${caption}` : `[${media}]`),
      readable: text !== undefined || file !== undefined,
      ...(file?.attachment ? { attachments: [file.attachment] } : {}),
      at: date,
    },
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
