// Turns a WhatsApp Web message (Baileys' protobuf shape) into an InboundMessage, or a reason to skip it.
// Only private chats: groups, status updates, channels and the owner's own messages are not for the agent.
import type { Allowlist } from '../../../config/values.ts';
import type { InboundAttachment } from '../../../media/attachments.ts';
import type { InboundMessage } from '../../channel.ts';
import type { LinkedMessage } from './socket.ts';

const MEDIA: Record<string, string> = {
  imageMessage: 'image',
  videoMessage: 'video',
  audioMessage: 'voice message',
  documentMessage: 'document',
  documentWithCaptionMessage: 'document',
  stickerMessage: 'sticker',
  locationMessage: 'location',
  liveLocationMessage: 'location',
  contactMessage: 'contact card',
  contactsArrayMessage: 'contact cards',
  pollCreationMessage: 'poll',
};
/** Wrappers around the real content (disappearing and view-once messages). */
const WRAPPERS = ['ephemeralMessage', 'viewOnceMessage', 'viewOnceMessageV2', 'documentWithCaptionMessage'];

/** "4915…:12@s.whatsapp.net" (a device of the account) → "4915…@s.whatsapp.net". */
export function bareJid(jid: string): string {
  const [user = '', server = ''] = jid.split('@');
  return `${user.split(':')[0]}@${server}`;
}

/** The linked account's phone-number JID among its own JIDs, once known. */
export function ownPhoneJid(self: ReadonlySet<string>): string | undefined {
  return [...self].find((jid) => jid.endsWith('@s.whatsapp.net'));
}

/** Owner notices address a phone number ("4915…", as the allowlist has it); WhatsApp Web wants a JID. */
export function toJid(chatId: string): string {
  return chatId.includes('@') ? chatId : `${chatId.replace(/\D/g, '')}@s.whatsapp.net`;
}

/**
 * `self`: the linked account's own JIDs. Its "Message yourself" chat is where the owner talks to MONO; anything
 * else the account sends (to friends, from the phone) is the owner's own conversation, not for the agent.
 */
export function parseLinkedMessage(
  message: LinkedMessage,
  self: ReadonlySet<string> = new Set(),
): InboundMessage | string {
  const { key } = message;
  const jid = key.remoteJid ?? '';
  if (key.fromMe && !self.has(bareJid(jid))) return 'sent by the linked account itself';
  if (!key.id || !jid) return 'message without id or chat';
  if (!/@(s\.whatsapp\.net|lid)$/.test(jid)) return `not a private chat (${jid.split('@')[1] ?? jid})`;
  const content = unwrap(message.message ?? {});
  const kind = Object.keys(content).find((name) => name !== 'messageContextInfo');
  if (
    !kind ||
    kind === 'protocolMessage' ||
    kind === 'reactionMessage' ||
    kind === 'senderKeyDistributionMessage'
  ) {
    return `no content (${kind ?? 'empty'})`;
  }
  // The self chat is the linked account's own, whichever form WhatsApp addresses it in (a LID comes without its
  // phone number at times): its sender is the account's phone number, the id the allowlist and the owner rows know.
  const phoneJid =
    (self.has(bareJid(jid)) ? ownPhoneJid(self) : undefined) ??
    (jid.endsWith('@s.whatsapp.net') ? jid : (key.remoteJidAlt ?? jid));
  const userId = phoneJid.split('@')[0]!.split(':')[0]!;
  const text = textOf(content);
  const timestamp = toNumber(message.messageTimestamp);
  const file = text === undefined ? linkedAttachment(kind, content[kind]) : undefined;
  return {
    channel: 'whatsapp',
    chatId: jid,
    messageId: key.id.slice(0, 200),
    userId,
    name: (message.pushName || `+${userId}`).slice(0, 200),
    text: file ? file.caption : (text ?? describe(kind, content[kind])),
    readable: file !== undefined || (text !== undefined && text.trim() !== ''),
    ...(file ? { attachments: [file.attachment] } : {}),
    at: timestamp ? new Date(timestamp * 1000) : new Date(),
  };
}

/** Baileys' media types (they pick the key derivation) by message kind. */
const MEDIA_TYPES: Record<string, { type: string; kind: InboundAttachment['kind'] }> = {
  imageMessage: { type: 'image', kind: 'image' },
  documentMessage: { type: 'document', kind: 'document' },
  audioMessage: { type: 'audio', kind: 'audio' },
  videoMessage: { type: 'video', kind: 'video' },
  stickerMessage: { type: 'sticker', kind: 'sticker' },
};

/**
 * A file WhatsApp Web keeps encrypted on its media servers: what Baileys needs to fetch and decrypt it later
 * (the media key, its path and URL) is stored with the message, so a download survives a restart.
 */
export function linkedAttachment(
  kind: string,
  body: unknown,
): { attachment: InboundAttachment; caption: string } | undefined {
  const media = MEDIA_TYPES[kind];
  const b = (body ?? {}) as Record<string, unknown>;
  const mediaKey = base64(b.mediaKey);
  if (!media || !mediaKey || (typeof b.directPath !== 'string' && typeof b.url !== 'string'))
    return undefined;
  let attachmentKind = media.kind;
  if (attachmentKind === 'audio' && b.ptt === true) attachmentKind = 'voice';
  if (attachmentKind === 'sticker' && b.isAnimated === true) attachmentKind = 'video';
  const size = toNumber(b.fileLength as LinkedMessage['messageTimestamp']);
  const seconds = typeof b.seconds === 'number' ? b.seconds : undefined;
  const name =
    typeof b.fileName === 'string' ? b.fileName : typeof b.title === 'string' ? b.title : undefined;
  return {
    caption: typeof b.caption === 'string' ? b.caption.slice(0, 1024) : '',
    attachment: {
      kind: attachmentKind,
      source: {
        media_type: media.type,
        media_key: mediaKey,
        ...(typeof b.directPath === 'string' ? { direct_path: b.directPath } : {}),
        ...(typeof b.url === 'string' ? { url: b.url } : {}),
      },
      ...(name ? { name: name.slice(0, 200) } : {}),
      ...(typeof b.mimetype === 'string' ? { declared_mime: b.mimetype.slice(0, 100) } : {}),
      ...(size !== undefined ? { size } : {}),
      ...(seconds !== undefined ? { duration_s: seconds } : {}),
    },
  };
}

function base64(value: unknown): string | undefined {
  if (value instanceof Uint8Array)
    return value.length > 0 ? Buffer.from(value).toString('base64') : undefined;
  if (typeof value === 'string' && /^[A-Za-z0-9+/=]{16,}$/.test(value)) return value;
  return undefined;
}

function unwrap(content: Record<string, unknown>): Record<string, unknown> {
  for (const wrapper of WRAPPERS) {
    const inner = (content[wrapper] as { message?: Record<string, unknown> } | undefined)?.message;
    if (inner) return unwrap(inner);
  }
  return content;
}

function textOf(content: Record<string, unknown>): string | undefined {
  if (typeof content.conversation === 'string') return content.conversation;
  const extended = content.extendedTextMessage as { text?: unknown } | undefined;
  if (typeof extended?.text === 'string') return extended.text;
  const button = content.buttonsResponseMessage as { selectedDisplayText?: unknown } | undefined;
  if (typeof button?.selectedDisplayText === 'string') return button.selectedDisplayText;
  return undefined;
}

function describe(kind: string, body: unknown): string {
  const label = MEDIA[kind] ?? 'message';
  const b = (body ?? {}) as Record<string, unknown>;
  if (kind === 'audioMessage' && b.ptt !== true) return '[audio]';
  if (kind === 'locationMessage' || kind === 'liveLocationMessage') {
    const at = [b.degreesLatitude, b.degreesLongitude].filter((n) => typeof n === 'number').join(',');
    const place = [b.name, b.address].filter((p) => typeof p === 'string' && p).join(', ');
    return `[location] ${[place, at].filter(Boolean).join(' ')}`.trim();
  }
  return typeof b.caption === 'string' && b.caption ? `[${label}] ${b.caption.slice(0, 1000)}` : `[${label}]`;
}

function toNumber(value: LinkedMessage['messageTimestamp']): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (value && typeof value === 'object' && typeof value.toNumber === 'function') return value.toNumber();
  return undefined;
}

/**
 * Why a sender is not let through, or undefined when they may reach the agent: the account's own self chat and
 * MONO_ALLOW_WHATSAPP only. On a personal number strangers get nothing, not even a pairing code.
 */
export function refusal(
  message: { chatId: string; userId: string },
  self: ReadonlySet<string>,
  allow: Allowlist,
): string | undefined {
  if (self.has(bareJid(message.chatId))) return undefined;
  if (allow.everyone || allow.ids.has(message.userId)) return undefined;
  return 'sender not on MONO_ALLOW_WHATSAPP (a personal number never answers strangers)';
}
