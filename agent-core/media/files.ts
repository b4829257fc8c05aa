// The kept files: <data dir>/media/<message key>-<n>.<ext>, readable by the agent's user only. A download is
// written to .incoming/ with its size capped while it streams (a sender cannot fill the disk past the limit,
// whatever they declared), and moved into place only once it is complete; a crash leaves only .incoming/
// leftovers, which the next start clears.

import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** Bytes read from the start of a file to tell what it is and how big an image is. */
export const HEAD_BYTES = 64 * 1024;

export class TooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`the file is larger than ${limit} bytes`);
    this.name = 'TooLargeError';
  }
}

export interface Incoming {
  /** Absolute path of the complete download in .incoming/. */
  path: string;
  bytes: number;
  sha256: string;
  head: Uint8Array;
}

export class MediaFiles {
  readonly dir: string;
  readonly #incoming: string;

  constructor(dataDir: string) {
    this.dir = join(dataDir, 'media');
    this.#incoming = join(this.dir, '.incoming');
  }

  /** Creates the directories (0700) and removes downloads a crash interrupted. */
  async init(): Promise<void> {
    await rm(this.#incoming, { recursive: true, force: true });
    await mkdir(this.#incoming, { recursive: true, mode: 0o700 });
  }

  /** Streams `body` into .incoming/, failing with TooLargeError past `maxBytes` (the partial file is removed). */
  async receive(
    body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    maxBytes: number,
    signal?: AbortSignal,
  ): Promise<Incoming> {
    await mkdir(this.#incoming, { recursive: true, mode: 0o700 });
    const path = join(this.#incoming, `${randomBytes(9).toString('hex')}.part`);
    const hash = createHash('sha256');
    const head: Buffer[] = [];
    let headBytes = 0;
    let bytes = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        bytes += chunk.length;
        if (bytes > maxBytes) return done(new TooLargeError(maxBytes));
        hash.update(chunk);
        if (headBytes < HEAD_BYTES) {
          head.push(chunk.subarray(0, HEAD_BYTES - headBytes));
          headBytes += Math.min(chunk.length, HEAD_BYTES - headBytes);
        }
        done(null, chunk);
      },
    });
    const file = createWriteStream(path, { mode: 0o600 });
    try {
      await pipeline(Readable.from(body), meter, file, ...(signal ? [{ signal }] : []));
    } catch (error) {
      // The pipeline can fail before the file is even open: removed only once the stream has opened (creating
      // it) and closed, else the file would appear after the unlink and stay behind.
      if (!file.closed) await once(file, 'close').catch(() => {});
      await unlink(path).catch(() => {});
      throw error;
    }
    return { path, bytes, sha256: hash.digest('hex'), head: Buffer.concat(head) };
  }

  /** Moves a complete download into place as `name`; returns the name (relative to the media directory). */
  async keep(incoming: Incoming, name: string): Promise<string> {
    await rename(incoming.path, join(this.dir, name));
    return name;
  }

  async discard(incoming: Incoming): Promise<void> {
    await unlink(incoming.path).catch(() => {});
  }

  async read(name: string): Promise<Buffer | undefined> {
    try {
      return await readFile(this.#path(name));
    } catch {
      return undefined;
    }
  }

  /** The last `bytes` of a kept or incoming file (an Ogg recording's length is in its last page). */
  async tail(path: string, bytes: number): Promise<Buffer> {
    const handle = await open(path, 'r');
    try {
      const { size } = await handle.stat();
      const length = Math.min(size, bytes);
      const buffer = Buffer.alloc(length);
      await handle.read(buffer, 0, length, size - length);
      return buffer;
    } finally {
      await handle.close();
    }
  }

  async exists(name: string): Promise<boolean> {
    return stat(this.#path(name)).then(
      () => true,
      () => false,
    );
  }

  async remove(name: string): Promise<void> {
    await unlink(this.#path(name)).catch(() => {});
  }

  /** Kept files last modified before `cutoff` (the retention sweep's candidates). */
  async olderThan(cutoff: Date): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return [];
    }
    const old: string[] = [];
    for (const name of names) {
      if (name.startsWith('.')) continue;
      const info = await stat(join(this.dir, name)).catch(() => undefined);
      if (info?.isFile() && info.mtime < cutoff) old.push(name);
    }
    return old;
  }

  #path(name: string): string {
    // Names are MONO's own (<key>-<n>.<ext>); anything else (a path, "..") is never read.
    if (!/^[\w.-]+$/.test(name) || name.startsWith('.')) throw new Error(`not a media file name: ${name}`);
    return join(this.dir, name);
  }
}

/** Kept attachments of mail are named mail_<hash of the Message-ID>-<n>: no message row lists them. */
export const MAIL_FILE_PREFIX = 'mail_';

/** The file name a kept attachment gets: the message's key and the attachment's place in it. */
export function mediaFileName(messageKey: string, index: number, extension: string): string {
  return `${messageKey.replace(/[^\w-]/g, '_')}-${index}.${extension}`;
}

export const EXTENSIONS: Record<string, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'application/pdf': 'pdf',
  'text/plain': 'txt',
  'audio/ogg': 'ogg',
  'audio/mpeg': 'mp3',
  'audio/mp4': 'm4a',
  'audio/wav': 'wav',
  'audio/flac': 'flac',
  'audio/webm': 'webm',
  'audio/amr': 'amr',
};
