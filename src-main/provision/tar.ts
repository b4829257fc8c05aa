// A minimal ustar writer: a release is a handful of regular files, sent as one gzipped stream over SSH.

export interface TarEntry {
  name: string;
  data: Buffer;
  mode?: number;
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

/** A tar archive of the entries (parent directories added), ready to gzip. */
export function createTar(entries: TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  const dirs = new Set<string>();
  for (const entry of entries) {
    const segments = entry.name.split('/');
    for (let i = 1; i < segments.length; i++) {
      const dir = segments.slice(0, i).join('/');
      if (!dirs.has(dir)) {
        dirs.add(dir);
        parts.push(header(`${dir}/`, 0, 0o755, '5'));
      }
    }
    parts.push(header(entry.name, entry.data.length, entry.mode ?? 0o644, '0'), entry.data);
    const pad = (512 - (entry.data.length % 512)) % 512;
    if (pad) parts.push(Buffer.alloc(pad));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}
