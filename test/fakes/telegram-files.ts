// Files on FakeTelegram as the Bot API has them: each sent photo, document, voice note or video gets a
// file_id; getFile answers its file_path (refusing files over 20 MB like Telegram), and
// GET /file/bot<token>/<file_path> serves the bytes. Downloads can be held (a slow file server) or failed.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Signal, sleep } from './http-util.ts';
import type { SendTextInput } from './telegram-types.ts';

/** Who sends a file, and its caption. */
export type MediaInput = Omit<SendTextInput, 'text'> & { caption?: string };

export interface StoredFile {
  file_id: string;
  file_unique_id: string;
  file_path: string;
  /** The bytes, or a size for files that are only ever refused (a 30 MB video is not kept in memory twice). */
  bytes?: Buffer;
  size: number;
}

/** Telegram's getFile limit for bots. */
export const BOT_FILE_LIMIT = 20 * 1024 * 1024;

export class TelegramFiles {
  readonly files = new Map<string, StoredFile>();
  /** Every download request: file path, HTTP status answered (499 when the client hung up first). */
  readonly downloads: { path: string; status?: number }[] = [];
  readonly changed = new Signal();
  #holding = false;
  readonly #held = new Set<() => void>();
  #next = 1;

  /** Registers a file under a fresh file_id, as Telegram does when a user sends one. */
  add(input: { bytes?: Buffer; size?: number; folder: string; extension: string }): StoredFile {
    const n = this.#next++;
    const file: StoredFile = {
      file_id: `AgACAgIAAxkBAAI${randomBytes(12).toString('base64url')}${n}`,
      file_unique_id: `AQAD${randomBytes(6).toString('base64url')}`,
      file_path: `${input.folder}/file_${n}.${input.extension}`,
      ...(input.bytes ? { bytes: input.bytes } : {}),
      size: input.bytes?.length ?? input.size ?? 0,
    };
    this.files.set(file.file_id, file);
    return file;
  }

  /** Downloads wait (connection open, nothing sent) until release(). */
  hold(): void {
    this.#holding = true;
  }

  release(): void {
    this.#holding = false;
    for (const resume of this.#held) resume();
    this.#held.clear();
  }

  get held(): number {
    return this.#held.size;
  }

  /** getFile: the path of a known file; Telegram's own errors otherwise. */
  getFile(
    fileId: unknown,
  ): { ok: true; result: unknown } | { ok: false; error_code: number; description: string } {
    const file = typeof fileId === 'string' ? this.files.get(fileId) : undefined;
    if (!file) return { ok: false, error_code: 400, description: 'Bad Request: invalid file_id' };
    if (file.size > BOT_FILE_LIMIT)
      return { ok: false, error_code: 400, description: 'Bad Request: file is too big' };
    return {
      ok: true,
      result: {
        file_id: file.file_id,
        file_unique_id: file.file_unique_id,
        file_size: file.size,
        file_path: file.file_path,
      },
    };
  }

  /** GET /file/bot<token>/<path> (the token was checked by the caller). */
  async serve(path: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const record: { path: string; status?: number } = { path };
    this.downloads.push(record);
    this.changed.emit();
    const gone = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) gone.abort();
    });
    if (this.#holding) {
      await new Promise<void>((resume) => {
        this.#held.add(resume);
        gone.signal.addEventListener('abort', () => {
          this.#held.delete(resume);
          resume();
        });
        this.changed.emit();
      });
    }
    await sleep(0, gone.signal);
    if (gone.signal.aborted) {
      record.status = 499;
      this.changed.emit();
      return;
    }
    const file = [...this.files.values()].find((f) => f.file_path === path);
    if (!file || req.method !== 'GET') {
      record.status = 404;
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"ok":false,"error_code":404,"description":"Not Found"}');
      this.changed.emit();
      return;
    }
    const body = file.bytes ?? Buffer.alloc(file.size);
    record.status = 200;
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
    res.end(body);
    this.changed.emit();
  }
}

// ---- message content for each kind of file, as Telegram puts it in a Message --------------------------------

const caption = (input: MediaInput) => (input.caption ? { caption: input.caption } : {});

export function photo(
  files: TelegramFiles,
  input: MediaInput & { bytes: Buffer; width?: number; height?: number },
) {
  const thumb = files.add({
    bytes: input.bytes.subarray(0, Math.min(input.bytes.length, 2000)),
    folder: 'photos',
    extension: 'jpg',
  });
  const full = files.add({ bytes: input.bytes, folder: 'photos', extension: 'jpg' });
  const width = input.width ?? 320;
  const height = input.height ?? 240;
  const size = (file: StoredFile, side: number) => ({
    file_id: file.file_id,
    file_unique_id: file.file_unique_id,
    file_size: file.size,
    width: side,
    height: Math.round((side * height) / width),
  });
  return { photo: [size(thumb, 90), size(full, width)], ...caption(input) };
}

export function document(
  files: TelegramFiles,
  input: MediaInput & { bytes?: Buffer; size?: number; fileName: string; mimeType?: string },
) {
  const file = files.add({
    ...(input.bytes ? { bytes: input.bytes } : {}),
    ...(input.size !== undefined ? { size: input.size } : {}),
    folder: 'documents',
    extension: input.fileName.split('.').pop() ?? 'bin',
  });
  return {
    document: {
      file_id: file.file_id,
      file_unique_id: file.file_unique_id,
      file_name: input.fileName,
      ...(input.mimeType ? { mime_type: input.mimeType } : {}),
      file_size: file.size,
    },
    ...caption(input),
  };
}

export function voice(files: TelegramFiles, input: MediaInput & { bytes: Buffer; duration: number }) {
  const file = files.add({ bytes: input.bytes, folder: 'voice', extension: 'oga' });
  return {
    voice: {
      file_id: file.file_id,
      file_unique_id: file.file_unique_id,
      duration: input.duration,
      mime_type: 'audio/ogg',
      file_size: file.size,
    },
  };
}

export function video(files: TelegramFiles, input: MediaInput & { size: number; duration?: number }) {
  const file = files.add({ size: input.size, folder: 'videos', extension: 'mp4' });
  return {
    video: {
      file_id: file.file_id,
      file_unique_id: file.file_unique_id,
      width: 1280,
      height: 720,
      duration: input.duration ?? 60,
      mime_type: 'video/mp4',
      file_size: file.size,
    },
    ...caption(input),
  };
}
