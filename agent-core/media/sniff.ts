// What a file really is, from its first bytes (never from its name or the type the sender declared): images,
// PDFs, plain text and audio, with the few facts the limits need (image size, PDF pages, voice duration).
// Pure functions over bytes, so every rule is tested with real file headers.

export type SniffedType =
  | { kind: 'image'; mime: 'image/jpeg' | 'image/png' | 'image/gif' | 'image/webp' }
  | { kind: 'image-unsupported'; mime: string }
  | { kind: 'pdf'; mime: 'application/pdf' }
  | { kind: 'text'; mime: 'text/plain' }
  | { kind: 'audio'; mime: string; extension: string }
  | { kind: 'video'; mime: string }
  | { kind: 'office'; mime: string }
  | { kind: 'unknown'; mime: 'application/octet-stream' };

const ascii = (bytes: Uint8Array, at: number, length: number) =>
  String.fromCharCode(...bytes.subarray(at, at + length));

const startsWith = (bytes: Uint8Array, signature: number[], at = 0) =>
  bytes.length >= at + signature.length && signature.every((byte, i) => bytes[at + i] === byte);

/** The type of a file from its head (the first few KB are enough; `text` needs the whole head to be text). */
export function sniff(head: Uint8Array): SniffedType {
  if (startsWith(head, [0xff, 0xd8, 0xff])) return { kind: 'image', mime: 'image/jpeg' };
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
    return { kind: 'image', mime: 'image/png' };
  if (ascii(head, 0, 6) === 'GIF87a' || ascii(head, 0, 6) === 'GIF89a')
    return { kind: 'image', mime: 'image/gif' };
  if (ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 4) === 'WEBP')
    return { kind: 'image', mime: 'image/webp' };
  if (ascii(head, 0, 5) === '%PDF-') return { kind: 'pdf', mime: 'application/pdf' };
  if (ascii(head, 0, 4) === 'OggS') return { kind: 'audio', mime: 'audio/ogg', extension: 'ogg' };
  if (ascii(head, 0, 4) === 'fLaC') return { kind: 'audio', mime: 'audio/flac', extension: 'flac' };
  if (ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 4) === 'WAVE')
    return { kind: 'audio', mime: 'audio/wav', extension: 'wav' };
  if (ascii(head, 0, 5) === '#!AMR') return { kind: 'audio', mime: 'audio/amr', extension: 'amr' };
  if (
    ascii(head, 0, 3) === 'ID3' ||
    (head[0] === 0xff && ((head[1] ?? 0) & 0xe0) === 0xe0 && ((head[1] ?? 0) & 0x06) !== 0)
  ) {
    return { kind: 'audio', mime: 'audio/mpeg', extension: 'mp3' };
  }
  if (ascii(head, 4, 4) === 'ftyp') return isoMedia(ascii(head, 8, 4));
  if (startsWith(head, [0x1a, 0x45, 0xdf, 0xa3])) {
    // Matroska/WebM: a voice recording when it says webm and carries no video track we could see.
    return /webm/.test(ascii(head, 0, 64)) && !/V_VP|V_AV1/.test(ascii(head, 0, Math.min(head.length, 4096)))
      ? { kind: 'audio', mime: 'audio/webm', extension: 'webm' }
      : { kind: 'video', mime: 'video/webm' };
  }
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04])) return { kind: 'office', mime: 'application/zip' };
  if (startsWith(head, [0xd0, 0xcf, 0x11, 0xe0]))
    return { kind: 'office', mime: 'application/x-ole-storage' };
  if (ascii(head, 0, 2) === 'BM' || ascii(head, 0, 4) === 'II*\u0000' || ascii(head, 0, 4) === 'MM\u0000*') {
    return { kind: 'image-unsupported', mime: ascii(head, 0, 2) === 'BM' ? 'image/bmp' : 'image/tiff' };
  }
  if (isText(head)) return { kind: 'text', mime: 'text/plain' };
  return { kind: 'unknown', mime: 'application/octet-stream' };
}

/** ISO base media (MP4 family): the brand says audio (m4a), HEIC (a phone photo Claude cannot read) or video. */
function isoMedia(brand: string): SniffedType {
  if (/^(M4A |M4B |mp4a|F4A )/.test(brand)) return { kind: 'audio', mime: 'audio/mp4', extension: 'm4a' };
  if (/^(heic|heix|hevc|heim|heis|mif1|msf1|avif)/.test(brand)) {
    return { kind: 'image-unsupported', mime: brand.startsWith('avif') ? 'image/avif' : 'image/heic' };
  }
  if (/^3gp/.test(brand)) return { kind: 'video', mime: 'video/3gpp' };
  return { kind: 'video', mime: 'video/mp4' };
}

/** UTF-8 without NUL bytes or other binary control characters (a cut multi-byte character at the end is fine). */
export function isText(bytes: Uint8Array): boolean {
  if (bytes.length === 0) return false;
  let controls = 0;
  for (const byte of bytes) {
    if (byte === 0) return false;
    if (byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d && byte !== 0x0c) controls++;
  }
  if (controls > bytes.length / 100) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(trimPartialUtf8(bytes));
    return true;
  } catch {
    return false;
  }
}

function trimPartialUtf8(bytes: Uint8Array): Uint8Array {
  // Drop at most 3 trailing bytes that start (or continue) a character the head cut in two.
  let end = bytes.length;
  for (let back = 1; back <= 3 && end - back >= 0; back++) {
    const byte = bytes[end - back]!;
    if ((byte & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead byte
    const need = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    if (need > back) end -= back;
    break;
  }
  return bytes.subarray(0, end);
}

/** Width and height of a JPEG, PNG, GIF or WebP from its head; undefined when the head does not say. */
export function imageSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = sniff(bytes);
  if (type.kind !== 'image') return undefined;
  if (type.mime === 'image/png' && bytes.length >= 24) {
    return { width: view.getUint32(16), height: view.getUint32(20) };
  }
  if (type.mime === 'image/gif' && bytes.length >= 10) {
    return { width: view.getUint16(6, true), height: view.getUint16(8, true) };
  }
  if (type.mime === 'image/webp') return webpSize(bytes, view);
  return jpegSize(bytes, view);
}

function webpSize(bytes: Uint8Array, view: DataView): { width: number; height: number } | undefined {
  const chunk = ascii(bytes, 12, 4);
  if (chunk === 'VP8X' && bytes.length >= 30) {
    const read24 = (at: number) => bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16);
    return { width: read24(24) + 1, height: read24(27) + 1 };
  }
  if (chunk === 'VP8 ' && bytes.length >= 30) {
    return { width: view.getUint16(26, true) & 0x3fff, height: view.getUint16(28, true) & 0x3fff };
  }
  if (chunk === 'VP8L' && bytes.length >= 25) {
    const bits = view.getUint32(21, true);
    return { width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 };
  }
  return undefined;
}

function jpegSize(bytes: Uint8Array, view: DataView): { width: number; height: number } | undefined {
  let at = 2;
  while (at + 9 < bytes.length) {
    if (bytes[at] !== 0xff) return undefined;
    const marker = bytes[at + 1]!;
    if (marker === 0xff) {
      at++; // fill byte
      continue;
    }
    const length = view.getUint16(at + 2);
    // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC) carry the frame size.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: view.getUint16(at + 5), width: view.getUint16(at + 7) };
    }
    if (marker === 0xd9 || marker === 0xda) return undefined;
    at += 2 + length;
  }
  return undefined;
}

/**
 * Pages of a PDF, counted from its page objects. Best effort: a PDF that keeps its objects in compressed
 * streams shows none, and then the count is unknown (undefined) rather than wrong.
 */
export function pdfPageCount(bytes: Uint8Array): number | undefined {
  // Over the bytes themselves: a 20 MB PDF is never copied into a string.
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pages = 0;
  for (let at = buffer.indexOf('/Type'); at >= 0; at = buffer.indexOf('/Type', at + 5)) {
    let next = at + 5;
    while (next < buffer.length && (buffer[next] === 0x20 || buffer[next] === 0x0a || buffer[next] === 0x0d))
      next++;
    if (buffer.toString('latin1', next, next + 5) !== '/Page') continue;
    const after = buffer[next + 5] ?? 0;
    if (!((after >= 0x41 && after <= 0x5a) || (after >= 0x61 && after <= 0x7a))) pages++;
  }
  return pages > 0 ? pages : undefined;
}

/** Seconds of an Ogg Opus/Vorbis recording: the last page's granule position over the sample rate. */
export function oggDurationSeconds(bytes: Uint8Array): number | undefined {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const last = text.lastIndexOf('OggS');
  if (last < 0 || last + 14 > bytes.length) return undefined;
  const granule = Number(text.readBigInt64LE(last + 6));
  if (!Number.isFinite(granule) || granule <= 0) return undefined;
  const opus = text.indexOf('OpusHead');
  if (opus >= 0) {
    const preSkip = opus + 12 <= bytes.length ? text.readUInt16LE(opus + 10) : 0;
    return Math.max(0, (granule - preSkip) / 48_000);
  }
  const vorbis = text.indexOf('\u0001vorbis');
  if (vorbis >= 0 && vorbis + 16 <= bytes.length) {
    const rate = text.readUInt32LE(vorbis + 12);
    return rate > 0 ? granule / rate : undefined;
  }
  return undefined;
}
