// The history as Claude reads it: turns become messages, a user's files become image and document blocks
// (base64, the type found in the file) and voice notes their transcripts. The newest files are attached in
// full while they fit the request (a few files, well under the API's 32 MB); older ones become a one-line
// description, so a long chat full of photos still makes a bounded prompt.
import type Anthropic from '@anthropic-ai/sdk';
import { type Attachment, attachmentLabel } from '../media/attachments.ts';
import type { MediaFiles } from '../media/files.ts';
import { refusalNote } from '../media/refusals.ts';
import type { HistoryTurn } from '../store/messages.ts';

export interface ContentOptions {
  files: Pick<MediaFiles, 'read'>;
  /** Files attached in full at most, newest first (default 4). */
  maxFiles?: number;
  /** Base64 bytes of attached files at most (default 26 MB: the API takes 32 MB a request). */
  maxBase64Bytes?: number;
}

export interface BuiltMessages {
  messages: Anthropic.MessageParam[];
  /**
   * The messages carry content no one in the conversation wrote: a file's contents (an image, a document) or
   * a recording's transcript. A turn built from them treats it as untrusted (see the turn runner).
   */
  untrusted: boolean;
  /** Files attached in full. */
  files: number;
}

type Block = Anthropic.TextBlockParam | Anthropic.ImageBlockParam | Anthropic.DocumentBlockParam;

const MB = 1024 * 1024;
const IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/gif', 'image/webp'] as const;

export async function buildMessages(
  turns: readonly HistoryTurn[],
  options: ContentOptions,
): Promise<BuiltMessages> {
  const attach = chooseAttached(turns, options.maxFiles ?? 4, options.maxBase64Bytes ?? 26 * MB);
  let untrusted = false;
  let files = 0;
  const messages: { role: 'user' | 'assistant'; content: Block[] }[] = [];
  for (const turn of turns) {
    const blocks: Block[] = [];
    if (turn.role === 'user') {
      for (const attachment of turn.attachments ?? []) {
        const block = attach.has(attachment) ? await fileBlock(attachment, options.files) : undefined;
        if (block) {
          blocks.push(block);
          files++;
          untrusted = true;
        } else {
          blocks.push({ type: 'text', text: describe(attachment, attach.has(attachment)) });
          if (attachment.transcript) untrusted = true;
        }
      }
    }
    if (turn.text.trim()) blocks.push({ type: 'text', text: turn.text });
    if (blocks.length === 0) continue;
    const last = messages[messages.length - 1];
    // The Messages API wants alternating turns that start with the user: merge neighbours with the same role.
    if (last && last.role === turn.role) last.content.push(...blocks);
    else if (messages.length > 0 || turn.role === 'user') messages.push({ role: turn.role, content: blocks });
  }
  return { messages: messages.map(compact), untrusted, files };
}

/**
 * The history with the current message's files as its turn just prepared them (the history was read before).
 * The message is the user turn created at its `created_at`.
 */
export function withPrepared(
  turns: readonly HistoryTurn[],
  message: { created_at: Date },
  attachments: readonly Attachment[],
): HistoryTurn[] {
  if (attachments.length === 0) return [...turns];
  const at = new Date(message.created_at).getTime();
  return turns.map((turn) =>
    turn.role === 'user' && new Date(turn.created_at).getTime() === at
      ? { ...turn, attachments: [...attachments] }
      : turn,
  );
}

/** A message that is one text block stays a plain string (the shape the prompt cache saw before files existed). */
function compact(message: { role: 'user' | 'assistant'; content: Block[] }): Anthropic.MessageParam {
  const texts = message.content.every((block) => block.type === 'text');
  return texts
    ? {
        role: message.role,
        content: message.content.map((block) => (block as Anthropic.TextBlockParam).text).join('\n\n'),
      }
    : message;
}

/** Which files go in full: the newest first, while the count and the request size allow. */
function chooseAttached(turns: readonly HistoryTurn[], maxFiles: number, maxBytes: number): Set<Attachment> {
  const chosen = new Set<Attachment>();
  let bytes = 0;
  for (let t = turns.length - 1; t >= 0; t--) {
    for (const attachment of turns[t]!.attachments ?? []) {
      if (!attachable(attachment)) continue;
      const size = Math.ceil((attachment.bytes ?? 0) / 3) * 4;
      if (chosen.size >= maxFiles || bytes + size > maxBytes) return chosen;
      chosen.add(attachment);
      bytes += size;
    }
  }
  return chosen;
}

function attachable(attachment: Attachment): boolean {
  return attachment.status === 'ready' && attachment.file !== undefined && !attachment.transcript;
}

async function fileBlock(attachment: Attachment, files: ContentOptions['files']): Promise<Block | undefined> {
  const data = await files.read(attachment.file!);
  if (!data) return undefined;
  const mime = attachment.mime ?? '';
  if ((IMAGE_TYPES as readonly string[]).includes(mime)) {
    return {
      type: 'image',
      source: {
        type: 'base64',
        media_type: mime as (typeof IMAGE_TYPES)[number],
        data: data.toString('base64'),
      },
    };
  }
  const title = attachment.name ? { title: attachment.name.slice(0, 200) } : {};
  if (mime === 'application/pdf') {
    return {
      type: 'document',
      source: { type: 'base64', media_type: 'application/pdf', data: data.toString('base64') },
      ...title,
    };
  }
  if (mime === 'text/plain') {
    return {
      type: 'document',
      source: { type: 'text', media_type: 'text/plain', data: data.toString('utf8') },
      ...title,
    };
  }
  return undefined;
}

/** A file that is not attached in full, as one line Claude reads in its place. */
function describe(attachment: Attachment, wanted: boolean): string {
  const label = attachmentLabel(attachment.kind);
  const named = attachment.name ? `${label} "${attachment.name}"` : label;
  if (attachment.transcript !== undefined) {
    return attachment.transcript
      ? `[${label}, transcribed]: ${attachment.transcript}`
      : `[${label}: nothing could be made out]`;
  }
  if (attachment.status === 'ready') {
    return wanted ? `[${named}: the file is no longer kept]` : `[${named} sent earlier; no longer attached]`;
  }
  if (attachment.status === 'expired') return `[${named}: deleted after the retention period]`;
  if (attachment.status === 'pending') return `[${named}: not fetched]`;
  return `[${named}: ${refusalNote(attachment.reason)}]`;
}
