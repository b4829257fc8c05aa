// Files on Telegram: which part of a message is a file MONO fetches (the largest photo size that fits Claude,
// an image or PDF document, a voice note, audio), and the download itself — getFile for the path, then
// {TELEGRAM_API_ROOT}/file/bot<token>/<file_path> (the Bot API serves files up to 20 MB).
import type { Api } from 'grammy';
import type { Secret } from '../../config/secret.ts';
import type { InboundAttachment, MediaSource } from '../../media/attachments.ts';
import { LIMITS } from '../../media/limits.ts';
import { type FetchedMedia, MediaFetchError } from '../channel.ts';

/** The Bot API refuses getFile for larger files. */
const BOT_API_FILE_LIMIT = 20 * 1024 * 1024;
const DOWNLOAD_TIMEOUT_MS = 120_000;

type Field = Record<string, unknown>;

/**
 * The file a message kind carries, or the text that stands for it. Undefined for kinds that are not files
 * (location, contact, poll): those stay descriptions the agent answers with a polite notice.
 */
export function telegramAttachment(
  kind: string,
  body: unknown,
): { attachment?: InboundAttachment; text?: string } | undefined {
  if (kind === 'photo' && Array.isArray(body)) {
    const size = largestPhotoThatFits(body.filter(isObject));
    return size
      ? { attachment: withSize({ kind: 'image', source: { file_id: size.file_id as string } }, size) }
      : undefined;
  }
  if (!isObject(body) || typeof body.file_id !== 'string') return undefined;
  const source: MediaSource = { file_id: body.file_id };
  const name = typeof body.file_name === 'string' ? body.file_name.slice(0, 200) : undefined;
  const declared = typeof body.mime_type === 'string' ? body.mime_type.slice(0, 100) : undefined;
  const duration = typeof body.duration === 'number' && body.duration >= 0 ? body.duration : undefined;
  const base = {
    source,
    ...(name ? { name } : {}),
    ...(declared ? { declared_mime: declared } : {}),
    ...(duration !== undefined ? { duration_s: duration } : {}),
  };
  switch (kind) {
    case 'document':
      return { attachment: withSize({ kind: 'document', ...base }, body) };
    case 'voice':
      return { attachment: withSize({ kind: 'voice', ...base }, body) };
    case 'audio':
      return { attachment: withSize({ kind: 'audio', ...base }, body) };
    case 'video':
    case 'video_note':
    case 'animation':
      return { attachment: withSize({ kind: 'video', ...base }, body) };
    case 'sticker': {
      // A still sticker is a WebP image; animated (.tgs) and video stickers are not, so their emoji stands in.
      if (body.is_animated === true || body.is_video === true) {
        return { text: `[sticker] ${typeof body.emoji === 'string' ? body.emoji : ''}`.trim() };
      }
      return { attachment: withSize({ kind: 'sticker', source }, body) };
    }
    default:
      return undefined;
  }
}

/** Telegram sends each photo in several sizes: the largest one Claude still takes. */
function largestPhotoThatFits(sizes: Field[]): Field | undefined {
  const usable = sizes.filter(
    (size) =>
      typeof size.file_id === 'string' &&
      (typeof size.file_size !== 'number' || size.file_size <= LIMITS.imageBytes) &&
      Math.max(Number(size.width) || 0, Number(size.height) || 0) <= LIMITS.imageSide,
  );
  const area = (size: Field) => (Number(size.width) || 0) * (Number(size.height) || 0);
  return usable.sort((a, b) => area(b) - area(a))[0] ?? sizes.filter((s) => typeof s.file_id === 'string')[0];
}

function withSize(attachment: InboundAttachment, body: Field): InboundAttachment {
  return typeof body.file_size === 'number' && body.file_size >= 0
    ? { ...attachment, size: body.file_size }
    : attachment;
}

/** Downloads a file by its file_id. The token is part of the download URL, so no error ever quotes the URL. */
export async function fetchTelegramFile(
  api: Api,
  connection: { apiRoot: string; token: Secret },
  source: MediaSource,
  options: { maxBytes: number; signal?: AbortSignal },
): Promise<FetchedMedia> {
  const fileId = source.file_id;
  if (typeof fileId !== 'string') throw new MediaFetchError('this message has no Telegram file id');
  let file: Awaited<ReturnType<Api['getFile']>>;
  try {
    file = await api.getFile(fileId);
  } catch (error) {
    const description = (error as { description?: string }).description ?? '';
    if (/too big/i.test(description)) throw new MediaFetchError('Telegram: the file is too big', false, true);
    if (/invalid file_id|wrong file_id|not found/i.test(description)) {
      throw new MediaFetchError('Telegram no longer has this file', true);
    }
    throw new MediaFetchError(`Telegram getFile failed: ${description || (error as Error).name}`);
  }
  const size = file.file_size;
  if (size !== undefined && size > Math.min(options.maxBytes, BOT_API_FILE_LIMIT)) {
    throw new MediaFetchError('the file is larger than the limit', false, true);
  }
  if (!file.file_path) throw new MediaFetchError('Telegram gave no path for this file', true);
  const url = `${connection.apiRoot}/file/bot${connection.token.reveal()}/${file.file_path}`;
  const signal = options.signal
    ? AbortSignal.any([options.signal, AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS)])
    : AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS);
  let response: Response;
  try {
    response = await fetch(url, { signal });
  } catch (error) {
    throw new MediaFetchError(`Telegram's file server could not be reached (${(error as Error).name})`);
  }
  if (!response.ok || !response.body) {
    await response.body?.cancel().catch(() => {});
    throw new MediaFetchError(`Telegram's file server answered ${response.status}`, response.status === 404);
  }
  const length = Number(response.headers.get('content-length'));
  return {
    body: response.body as AsyncIterable<Uint8Array>,
    ...(Number.isFinite(length) && length > 0 ? { size: length } : size !== undefined ? { size } : {}),
  };
}

function isObject(value: unknown): value is Field {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
