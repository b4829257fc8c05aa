// Turns a WhatsApp Cloud API webhook payload into InboundMessages and delivery statuses. Pure and defensive:
// the payload is signed, but every field is still checked before it reaches the datastore.
import type { InboundAttachment } from '../../media/attachments.ts';
import type { InboundMessage } from '../channel.ts';

export interface DeliveryStatus {
  /** The wamid of the message the agent sent. */
  messageId: string;
  recipient: string;
  status: 'sent' | 'delivered' | 'read' | 'failed' | string;
  errors: { code: number; title: string; details?: string }[];
}

export interface ParsedWebhook {
  messages: InboundMessage[];
  statuses: DeliveryStatus[];
  /** Errors Meta reports in the payload itself (entry.changes.value.errors). */
  errors: { code: number; title: string; details?: string }[];
  skipped: string[];
}

export type WebhookParse = { ok: true; value: ParsedWebhook } | { ok: false; reason: string };

/** Labels of messages that are not text (files become attachments; the rest is acknowledged with a notice). */
const MEDIA_LABELS: Record<string, string> = {
  image: 'image',
  audio: 'voice message',
  voice: 'voice message',
  video: 'video',
  document: 'document',
  sticker: 'sticker',
  location: 'location',
  contacts: 'contact card',
  order: 'order',
  unsupported: 'unsupported message',
};

export function parseWebhook(payload: unknown, phoneNumberId: string): WebhookParse {
  if (!isObject(payload) || payload.object !== 'whatsapp_business_account' || !Array.isArray(payload.entry)) {
    return { ok: false, reason: 'not a WhatsApp Business Account webhook (object/entry missing)' };
  }
  const result: ParsedWebhook = { messages: [], statuses: [], errors: [], skipped: [] };
  for (const entry of payload.entry) {
    if (!isObject(entry) || !Array.isArray(entry.changes)) continue;
    for (const change of entry.changes) {
      if (!isObject(change) || !isObject(change.value)) continue;
      if (change.field !== 'messages') {
        result.skipped.push(`field ${String(change.field)}`);
        continue;
      }
      const value = change.value;
      const metadata = isObject(value.metadata) ? value.metadata : {};
      // One app can serve several numbers; only this agent's number is ours to answer.
      if (metadata.phone_number_id !== undefined && String(metadata.phone_number_id) !== phoneNumberId) {
        result.skipped.push(`phone number id ${String(metadata.phone_number_id)}`);
        continue;
      }
      const names = new Map<string, string>();
      for (const contact of array(value.contacts)) {
        if (isObject(contact) && typeof contact.wa_id === 'string' && isObject(contact.profile)) {
          const name = contact.profile.name;
          if (typeof name === 'string' && name) names.set(contact.wa_id, name);
        }
      }
      for (const message of array(value.messages)) {
        const parsed = parseMessage(message, names);
        if (typeof parsed === 'string') result.skipped.push(parsed);
        else result.messages.push(parsed);
      }
      for (const status of array(value.statuses)) {
        if (!isObject(status) || typeof status.id !== 'string' || typeof status.status !== 'string') continue;
        result.statuses.push({
          messageId: status.id,
          recipient: typeof status.recipient_id === 'string' ? status.recipient_id : '',
          status: status.status,
          errors: parseErrors(status.errors),
        });
      }
      result.errors.push(...parseErrors(value.errors));
    }
  }
  return { ok: true, value: result };
}

function parseMessage(message: unknown, names: Map<string, string>): InboundMessage | string {
  if (!isObject(message) || typeof message.id !== 'string' || typeof message.from !== 'string') {
    return 'message without id or sender';
  }
  if (!/^\d{4,20}$/.test(message.from)) return `sender ${message.from.slice(0, 30)} is not a phone number`;
  const type = typeof message.type === 'string' ? message.type : 'unsupported';
  if (type === 'reaction') return 'reaction';
  if (type === 'system' || type === 'ephemeral') return `${type} message`;

  let text: string | undefined;
  if (type === 'text' && isObject(message.text) && typeof message.text.body === 'string') {
    text = message.text.body;
  } else if (type === 'button' && isObject(message.button) && typeof message.button.text === 'string') {
    text = message.button.text;
  } else if (type === 'interactive' && isObject(message.interactive)) {
    const reply = message.interactive.button_reply ?? message.interactive.list_reply;
    if (isObject(reply) && typeof reply.title === 'string') text = reply.title;
  }
  const timestamp = Number(message.timestamp);
  const name = names.get(message.from) ?? `+${message.from}`;
  const file = text === undefined ? mediaAttachment(type, message[type]) : undefined;
  return {
    channel: 'whatsapp',
    chatId: message.from,
    messageId: message.id.slice(0, 200),
    userId: message.from,
    name: name.slice(0, 200),
    text: file ? file.caption : (text ?? describeMedia(type, message)),
    readable: file !== undefined || (text !== undefined && text.trim() !== ''),
    ...(file ? { attachments: [file.attachment] } : {}),
    at: Number.isFinite(timestamp) && timestamp > 0 ? new Date(timestamp * 1000) : new Date(),
  };
}

const FILE_KINDS: Record<string, InboundAttachment['kind']> = {
  image: 'image',
  document: 'document',
  sticker: 'sticker',
  audio: 'audio',
  video: 'video',
};

/** A file Meta keeps for the agent to fetch by its media id (GET /{media-id}, then the URL it gives). */
function mediaAttachment(
  type: string,
  body: unknown,
): { attachment: InboundAttachment; caption: string } | undefined {
  let kind = FILE_KINDS[type];
  if (!kind || !isObject(body) || typeof body.id !== 'string' || !/^[\w.-]{1,100}$/.test(body.id))
    return undefined;
  if (kind === 'audio' && body.voice === true) kind = 'voice';
  // An animated sticker is not a still image Claude can read: it is refused like a video.
  if (kind === 'sticker' && body.animated === true) kind = 'video';
  const caption = typeof body.caption === 'string' ? body.caption.slice(0, 1024) : '';
  return {
    caption,
    attachment: {
      kind,
      source: { media_id: body.id },
      ...(typeof body.filename === 'string' ? { name: body.filename.slice(0, 200) } : {}),
      ...(typeof body.mime_type === 'string' ? { declared_mime: body.mime_type.slice(0, 100) } : {}),
    },
  };
}

/** "[location] Name, 52.52,13.40": stored for the owner, not read by the model. */
function describeMedia(type: string, message: Record<string, unknown>): string {
  const label = MEDIA_LABELS[type] ?? MEDIA_LABELS.unsupported!;
  const body = message[type];
  if (type === 'location' && isObject(body)) {
    const place = [body.name, body.address].filter((part) => typeof part === 'string' && part).join(', ');
    const at = [body.latitude, body.longitude].filter((n) => typeof n === 'number').join(',');
    return `[${label}] ${[place, at].filter(Boolean).join(' ')}`.trim();
  }
  if (isObject(body) && typeof body.caption === 'string' && body.caption) {
    return `[${label}] ${body.caption.slice(0, 1000)}`;
  }
  return `[${label}]`;
}

function parseErrors(errors: unknown): { code: number; title: string; details?: string }[] {
  return array(errors).flatMap((error) => {
    if (!isObject(error) || typeof error.code !== 'number') return [];
    const details = isObject(error.error_data) ? error.error_data.details : undefined;
    return [
      {
        code: error.code,
        title: typeof error.title === 'string' ? error.title : String(error.message ?? ''),
        ...(typeof details === 'string' ? { details } : {}),
      },
    ];
  });
}

function array(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
