// A file that came with a message, as it is stored on the message row (`attachments`): what the channel said
// it is, how to fetch it from that channel, and what MONO found once it fetched it. The desktop shows these
// rows live; the turn reads them to build image/document blocks and transcripts for Claude.
import type { AttachmentKind, AttachmentRow } from '../contract/tables.ts';
import type { RefusalReason } from './limits.ts';

export type AttachmentStatus = AttachmentRow['status'];

/** The channel's handle to the file (Telegram file_id, a Graph media id, WhatsApp Web's media keys). */
export type MediaSource = Record<string, string | number | boolean>;

/** What a channel parsed from a message, before anything is downloaded. */
export interface InboundAttachment {
  kind: AttachmentKind;
  source: MediaSource;
  /** The file name the sender's app gave (documents). */
  name?: string;
  /** The type the sender's app declared: a hint only, never trusted. */
  declared_mime?: string;
  /** The size the channel declared, when it did (checked before downloading). */
  size?: number;
  /** Seconds, for voice notes and audio, when the channel says. */
  duration_s?: number;
}

/** The stored form: the inbound fields plus the outcome. */
export interface Attachment extends InboundAttachment {
  status: AttachmentStatus;
  /** The type found in the file itself. */
  mime?: string;
  /** Path of the kept file, relative to the media directory. */
  file?: string;
  bytes?: number;
  width?: number;
  height?: number;
  pages?: number;
  transcript?: string;
  reason?: RefusalReason;
  /** A small copy for the desktop exists (table media_preview). */
  preview?: boolean;
}

const LABELS: Record<AttachmentKind, string> = {
  image: 'photo',
  document: 'document',
  voice: 'voice note',
  audio: 'audio',
  video: 'video',
  sticker: 'sticker',
};

export function attachmentLabel(kind: AttachmentKind): string {
  return LABELS[kind];
}

/** "[photo]", "[document: bill.pdf]": for conversation previews and wherever the file itself is not shown. */
export function describeAttachment(attachment: Pick<Attachment, 'kind' | 'name'>): string {
  const label = attachmentLabel(attachment.kind);
  return attachment.name ? `[${label}: ${attachment.name}]` : `[${label}]`;
}

/** A one-line preview of a message with files: its text, or what it carries. */
export function previewText(
  text: string,
  attachments: readonly Pick<Attachment, 'kind' | 'name'>[] = [],
): string {
  if (text.trim()) return text;
  return attachments.map(describeAttachment).join(' ');
}
