// Attachments of mail the agent reads: images, PDFs and plain text are kept (checked by their bytes, within
// Claude's limits) when the mail is stored, so reading the mail later (the email_read tool) shows them to Claude
// as image and document blocks. Other attachments stay names only. Kept files follow the media retention.
import { createHash } from 'node:crypto';
import type Anthropic from '@anthropic-ai/sdk';
import { EXTENSIONS, MAIL_FILE_PREFIX, type MediaFiles } from '../../media/files.ts';
import { judge } from '../../media/limits.ts';
import { sniff } from '../../media/sniff.ts';

/** A kept attachment of a mail (stored on the mail row as `files`). */
export interface MailFile {
  name: string;
  mime: string;
  bytes: number;
  /** The kept file, relative to the media directory. */
  file: string;
}

export interface MailPart {
  name?: string;
  contentType?: string;
  content: Buffer;
}

/** At most this many files of one mail are kept (a mail with 200 images is not a photo album to read). */
const MAX_FILES = 5;

export async function keepMailFiles(
  files: MediaFiles,
  messageId: string,
  parts: readonly MailPart[],
): Promise<MailFile[]> {
  const key = `${MAIL_FILE_PREFIX}${createHash('sha256').update(messageId).digest('hex').slice(0, 16)}`;
  const kept: MailFile[] = [];
  for (const part of parts) {
    if (kept.length >= MAX_FILES) break;
    const verdict = judge(
      'document',
      sniff(part.content),
      part.content.length,
      part.content,
      part.contentType,
    );
    if (!verdict.ok || verdict.as === 'audio') continue;
    const incoming = await files.receive([part.content], part.content.length);
    const file = await files.keep(incoming, `${key}-${kept.length}.${EXTENSIONS[verdict.mime] ?? 'bin'}`);
    kept.push({
      name: (part.name ?? `attachment ${kept.length + 1}`).slice(0, 200),
      mime: verdict.mime,
      bytes: part.content.length,
      file,
    });
  }
  return kept;
}

/** The kept attachments as content blocks for Claude; a file past its retention is simply left out. */
export async function mailFileBlocks(
  files: Pick<MediaFiles, 'read'>,
  kept: readonly MailFile[] | undefined,
): Promise<(Anthropic.ImageBlockParam | Anthropic.DocumentBlockParam)[]> {
  const blocks: (Anthropic.ImageBlockParam | Anthropic.DocumentBlockParam)[] = [];
  for (const attachment of kept ?? []) {
    const data = await files.read(attachment.file);
    if (!data) continue;
    if (attachment.mime.startsWith('image/')) {
      blocks.push({
        type: 'image',
        source: {
          type: 'base64',
          media_type: attachment.mime as Anthropic.Base64ImageSource['media_type'],
          data: data.toString('base64'),
        },
      });
    } else if (attachment.mime === 'application/pdf') {
      blocks.push({
        type: 'document',
        source: { type: 'base64', media_type: 'application/pdf', data: data.toString('base64') },
        title: attachment.name,
      });
    } else if (attachment.mime === 'text/plain') {
      blocks.push({
        type: 'document',
        source: { type: 'text', media_type: 'text/plain', data: data.toString('utf8') },
        title: attachment.name,
      });
    }
  }
  return blocks;
}
