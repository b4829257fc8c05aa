// A minimal ustar writer: a release is a handful of regular files, sent as one gzipped stream over SSH. The
// stream form reads each file from disk as it goes, so a release is never held in memory whole.
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';

export interface TarEntry {
  name: string;
  data: Buffer;
  mode?: number;
}

/** A file to stream into a tar: its bytes come from `path` (exactly `size` of them) or from `data`. */
export interface TarFile {
  name: string;
  size: number;
  path?: string;
  data?: Buffer;
}

function header(name: string, size: number, mode: number, type: '0' | '5'): Buffer {
  const h = Buffer.alloc(512);
  let prefix = '';
  let base = name;
  if (Buffer.byteLength(name) > 100) {
    const cut = name.lastIndexOf('/', 154);
    if (cut <= 0 || Buffer.byteLength(name.slice(cut + 1)) > 100)
      throw new Error(`path too long for tar: ${name}`);
    prefix = name.slice(0, cut);
    base = name.slice(cut + 1);
  }
  const field = (value: string, offset: number, length: number) => h.write(value, offset, length, 'utf8');
  const octal = (value: number, offset: number, length: number) =>
    field(`${value.toString(8).padStart(length - 1, '0')}\0`, offset, length);
  field(base, 0, 100);
  octal(mode & 0o7777, 100, 8);
  octal(0, 108, 8);
  octal(0, 116, 8);
  octal(size, 124, 12);
  octal(0, 136, 12);
  field('        ', 148, 8);
  field(type, 156, 1);
  field('ustar\0', 257, 6);
  field('00', 263, 2);
  field(prefix, 345, 155);
  let sum = 0;
  for (const byte of h) sum += byte;
  field(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8);
  return h;
}

/** The headers of the parent directories of `name` not written yet (tar wants them before their files). */
function parents(name: string, dirs: Set<string>): Buffer[] {
  const out: Buffer[] = [];
  const segments = name.split('/');
  for (let i = 1; i < segments.length; i++) {
    const dir = segments.slice(0, i).join('/');
    if (!dirs.has(dir)) {
      dirs.add(dir);
      out.push(header(`${dir}/`, 0, 0o755, '5'));
    }
  }
  return out;
}

const padding = (size: number) => Buffer.alloc((512 - (size % 512)) % 512);

/** A tar archive of the entries (parent directories added), ready to gzip. */
export function createTar(entries: TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  const dirs = new Set<string>();
  for (const entry of entries) {
    parts.push(...parents(entry.name, dirs), header(entry.name, entry.data.length, entry.mode ?? 0o644, '0'));
    parts.push(entry.data, padding(entry.data.length));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

/** The same archive as a stream, each file read from disk while it is written (memory: one chunk at a time). */
export function tarStream(files: TarFile[]): Readable {
  return Readable.from(
    (async function* () {
      const dirs = new Set<string>();
      for (const file of files) {
        yield Buffer.concat([...parents(file.name, dirs), header(file.name, file.size, 0o644, '0')]);
        let written = 0;
        if (file.data) {
          written = file.data.length;
          yield file.data;
        } else
          for await (const chunk of createReadStream(file.path!)) {
            written += (chunk as Buffer).length;
            yield chunk as Buffer;
          }
        // A file that changed size since it was hashed would corrupt every entry after it: refuse instead.
        if (written !== file.size) throw new Error(`${file.name} changed while it was being packed`);
        yield padding(file.size);
      }
      yield Buffer.alloc(1024);
    })(),
    { objectMode: false },
  );
}
