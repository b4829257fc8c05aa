// Which files Claude can read, and how big they may be: the Messages API's own limits (images at most 5 MB
// once base64-encoded and 8000 px a side; a request at most 32 MB; PDFs at most 100 pages), plus what a
// speech-to-text service takes (25 MB). A file is judged by what it is (sniff.ts), never by its name.
import type { AttachmentKind } from '../contract/tables.ts';
import { imageSize, type SniffedType } from './sniff.ts';

const MB = 1024 * 1024;

export const LIMITS = {
  /** The API refuses an image whose base64 form is over 5 MB: that is 3.75 MB of image. */
  imageBytes: (5 * MB * 3) / 4,
  imageSide: 8000,
  /** Base64 adds a third; a 32 MB request leaves room for a 20 MB PDF and the conversation around it. */
  pdfBytes: 20 * MB,
  pdfPages: 100,
  /** Plain text travels as a text document; 200 KB is ~50,000 tokens, a quarter of the context window. */
  textBytes: 200 * 1024,
  /** OpenAI's, Groq's and whisper servers' upload limit. */
  audioBytes: 25 * MB,
  /** Nothing larger is ever downloaded, whatever the sender declared. */
  anyBytes: 25 * MB,
} as const;

/** The most a download of this kind may bring (the largest thing it could still turn out to be). */
export function maxBytesFor(kind: AttachmentKind): number {
  if (kind === 'voice' || kind === 'audio') return LIMITS.audioBytes;
  if (kind === 'image' || kind === 'sticker') return LIMITS.imageBytes;
  return LIMITS.pdfBytes;
}

/** Why a file is not passed on; each has one sentence for the sender (media/refusals.ts). */
export type RefusalReason =
  | 'video'
  | 'too_large'
  | 'not_readable'
  | 'not_what_it_says'
  | 'image_format'
  | 'too_many_pages'
  | 'image_too_big'
  | 'no_stt'
  | 'stt_failed'
  | 'download_failed'
  /** The server's disk had no room for it above the reserve kept for finishing acknowledged work. */
  | 'no_disk_room';

export type Verdict =
  | { ok: true; mime: string; as: 'image' | 'pdf' | 'text' | 'audio'; width?: number; height?: number }
  | { ok: false; reason: RefusalReason };

/**
 * The verdict on a downloaded file. `kind` is what the channel said it is (a photo, a voice note, a document);
 * `declaredMime` the type the sender's app gave it. A photo or an image document must really be an image, a
 * voice note must really be audio, and a document may be a PDF, plain text or an image.
 */
export function judge(
  kind: AttachmentKind,
  sniffed: SniffedType,
  size: number,
  head: Uint8Array,
  declaredMime?: string,
): Verdict {
  if (kind === 'video' || sniffed.kind === 'video') return { ok: false, reason: 'video' };
  if (kind === 'voice' || kind === 'audio') {
    if (sniffed.kind !== 'audio') return { ok: false, reason: 'not_what_it_says' };
    return size > LIMITS.audioBytes
      ? { ok: false, reason: 'too_large' }
      : { ok: true, mime: sniffed.mime, as: 'audio' };
  }
  const claimsImage = kind === 'image' || kind === 'sticker' || /^image\//.test(declaredMime ?? '');
  if (sniffed.kind === 'image') {
    if (size > LIMITS.imageBytes) return { ok: false, reason: 'too_large' };
    const dimensions = imageSize(head);
    if (dimensions && Math.max(dimensions.width, dimensions.height) > LIMITS.imageSide) {
      return { ok: false, reason: 'image_too_big' };
    }
    return { ok: true, mime: sniffed.mime, as: 'image', ...dimensions };
  }
  if (sniffed.kind === 'image-unsupported') return { ok: false, reason: 'image_format' };
  // Whatever the name says, a "photo" or an image/* document that is not an image is refused.
  if (claimsImage) return { ok: false, reason: 'not_what_it_says' };
  if (declaredMime === 'application/pdf' && sniffed.kind !== 'pdf')
    return { ok: false, reason: 'not_what_it_says' };
  if (sniffed.kind === 'pdf') {
    return size > LIMITS.pdfBytes
      ? { ok: false, reason: 'too_large' }
      : { ok: true, mime: sniffed.mime, as: 'pdf' };
  }
  if (sniffed.kind === 'text') {
    return size > LIMITS.textBytes
      ? { ok: false, reason: 'too_large' }
      : { ok: true, mime: sniffed.mime, as: 'text' };
  }
  return { ok: false, reason: 'not_readable' };
}

/** Decided before any download, from what the channel declared: a known size over the limit, or a video. */
export function judgeDeclared(
  kind: AttachmentKind,
  declaredSize: number | undefined,
): RefusalReason | undefined {
  if (kind === 'video') return 'video';
  if (declaredSize !== undefined && declaredSize > maxBytesFor(kind)) return 'too_large';
  return undefined;
}
