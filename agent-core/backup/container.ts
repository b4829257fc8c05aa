// The backup file: a magic line, a readable JSON header, then the compressed records in framed chunks — each
// chunk encrypted and authenticated when a passphrase is given, else the whole file closed by a SHA-256.
//
//   "MONO-BACKUP\n" · u32 header length · header JSON · frames · (plain files only) SHA-256 of all bytes before it
//   frame = u32 (top bit: last frame; rest: length) · bytes (ciphertext + GCM tag when encrypted)
import { createHash, type Hash } from 'node:crypto';
import type { Secret } from '../config/secret.ts';
import {
  checkEncryptionInfo,
  type EncryptionInfo,
  newSealingKey,
  openChunk,
  openingKey,
  sealChunk,
} from './crypto.ts';
import { BackupFileError, damagedHeader, notABackup, tampered, truncated } from './errors.ts';

export const MAGIC = Buffer.from('MONO-BACKUP\n', 'ascii');
export const FORMAT = 'mono-backup';
export const FORMAT_VERSION = 1;
/** Plain bytes per frame: big enough to compress and encrypt efficiently, small enough to stream. */
export const CHUNK_BYTES = 1024 * 1024;
const MAX_HEADER_BYTES = 1024 * 1024;
const MAX_FRAME_BYTES = CHUNK_BYTES + 1024;
const LAST = 0x80000000;
const DIGEST_BYTES = 32;

export interface BackupHeader {
  format: typeof FORMAT;
  version: typeof FORMAT_VERSION;
  created_at: string;
  /** The version of the agent the data was read from. */
  agent_version: string;
  /** The datastore's schema: its highest migration number and every applied migration file. */
  schema: { version: number; migrations: { name: string; checksum: string }[] };
  /** Read from a running agent: work it had in flight may have been finished by it after the snapshot. */
  live: boolean;
  /** Where the data came from ("root@203.0.113.7:22", "local"). */
  source?: string;
  /** Rows per table (the schema's own `migration` table is in `schema` instead). */
  counts: Record<string, number>;
  compression: 'br';
  encryption?: EncryptionInfo;
}

/** The fields the reader of a snapshot knows; the writer adds the format fields. */
export type HeaderFields = Omit<BackupHeader, 'format' | 'version' | 'encryption'>;

/** Writes a backup file as a stream of buffers; `passphrase` encrypts it. */
export async function* writeContainer(
  fields: HeaderFields,
  payload: AsyncIterable<Uint8Array>,
  options: { passphrase?: Secret; kdfCost?: { N: number; r: number; p: number } } = {},
): AsyncGenerator<Buffer> {
  const sealing = options.passphrase ? await newSealingKey(options.passphrase, options.kdfCost) : undefined;
  const header: BackupHeader = {
    format: FORMAT,
    version: FORMAT_VERSION,
    ...fields,
    ...(sealing ? { encryption: sealing.info } : {}),
  };
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const prefix = Buffer.concat([MAGIC, u32(headerBytes.length), headerBytes]);
  const hash = createHash('sha256').update(prefix);
  const aad = createHash('sha256').update(prefix).digest();
  yield prefix;
  let index = 0;
  const frame = (chunk: Buffer, last: boolean): Buffer => {
    const body = sealing ? sealChunk(sealing.key, sealing.info, aad, index, last, chunk) : chunk;
    index++;
    const out = Buffer.concat([u32(body.length | (last ? LAST : 0)), body]);
    hash.update(out);
    return out;
  };
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for await (const piece of payload) {
    pending.push(Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength));
    pendingBytes += piece.byteLength;
    // Keep at least one byte back: the frame that carries the end must be marked last.
    while (pendingBytes > CHUNK_BYTES) {
      const all = Buffer.concat(pending);
      yield frame(all.subarray(0, CHUNK_BYTES), false);
      pending = [all.subarray(CHUNK_BYTES)];
      pendingBytes = pending[0]!.length;
    }
  }
  yield frame(Buffer.concat(pending), true);
  if (!sealing) yield hash.digest();
}

export interface OpenedContainer {
  header: BackupHeader;
  /** The compressed records, released chunk by chunk once each is authentic; throws if the rest is not. */
  payload: AsyncGenerator<Buffer>;
}

/**
 * Reads a backup file. `passphrase` is asked for only when the header says the file is encrypted. The payload is
 * verified as it is read: a consumer must treat everything as unconfirmed until the generator has finished.
 */
export async function readContainer(
  input: AsyncIterable<Uint8Array>,
  options: { passphrase?: () => Secret | undefined | Promise<Secret | undefined> } = {},
): Promise<OpenedContainer> {
  const reader = new ByteReader(input);
  const { header, prefix } = await readPrefix(reader);
  let key: Buffer | undefined;
  if (header.encryption) {
    const passphrase = await options.passphrase?.();
    if (!passphrase) throw new BackupFileError('passphrase-needed', 'this backup file is encrypted');
    key = await openingKey(passphrase, header.encryption);
  }
  const hash = createHash('sha256').update(prefix);
  const aad = createHash('sha256').update(prefix).digest();
  return { header, payload: frames(reader, header.encryption, key, aad, hash) };
}

/** Only the header (to list backups): nothing after it is read or checked. */
export async function readHeader(input: AsyncIterable<Uint8Array>): Promise<BackupHeader> {
  return (await readPrefix(new ByteReader(input))).header;
}

async function readPrefix(reader: ByteReader): Promise<{ header: BackupHeader; prefix: Buffer }> {
  const magic = await reader.read(MAGIC.length);
  if (!magic?.equals(MAGIC)) throw notABackup('it does not start with MONO-BACKUP');
  const lengthBytes = await reader.read(4);
  if (!lengthBytes) throw truncated();
  const length = lengthBytes.readUInt32BE(0);
  // Past the magic it is a MONO backup: what does not read from here on is damage, not another kind of file.
  if (length > MAX_HEADER_BYTES) throw damagedHeader('it claims more bytes than a header has');
  const headerBytes = await reader.read(length);
  if (!headerBytes) throw truncated();
  return { header: parseHeader(headerBytes), prefix: Buffer.concat([MAGIC, lengthBytes, headerBytes]) };
}

async function* frames(
  reader: ByteReader,
  encryption: EncryptionInfo | undefined,
  key: Buffer | undefined,
  aad: Buffer,
  hash: Hash,
): AsyncGenerator<Buffer> {
  for (let index = 0; ; index++) {
    const word = await reader.read(4);
    if (!word) throw truncated();
    const value = word.readUInt32BE(0);
    const last = (value & LAST) !== 0;
    const length = value & ~LAST;
    if (length > MAX_FRAME_BYTES) throw tampered(`frame ${index + 1} claims ${length} bytes`);
    const body = await reader.read(length);
    if (!body) throw truncated();
    hash.update(word).update(body);
    yield encryption && key ? openChunk(key, encryption, aad, index, last, body) : body;
    if (last) break;
  }
  if (!encryption) {
    const digest = await reader.read(DIGEST_BYTES);
    if (!digest) throw truncated();
    if (!digest.equals(hash.digest())) throw tampered('its checksum does not match');
  }
  if (!(await reader.atEnd())) throw tampered('there are bytes after its end');
}

function parseHeader(bytes: Buffer): BackupHeader {
  let value: Partial<BackupHeader>;
  try {
    value = JSON.parse(bytes.toString('utf8')) as Partial<BackupHeader>;
  } catch {
    throw damagedHeader('it is not JSON');
  }
  if (value?.format !== FORMAT) throw damagedHeader('it names another format');
  if (value.version !== FORMAT_VERSION)
    throw new BackupFileError(
      'version',
      `this backup file has format version ${String(value.version)}, which this MONO cannot read (it reads version ${FORMAT_VERSION})`,
    );
  const counts = value.counts;
  const schema = value.schema;
  const valid =
    typeof value.created_at === 'string' &&
    typeof value.agent_version === 'string' &&
    typeof value.live === 'boolean' &&
    value.compression === 'br' &&
    counts !== null &&
    typeof counts === 'object' &&
    Object.entries(counts).every(
      ([table, n]) => TABLE_NAME.test(table) && Number.isSafeInteger(n) && n >= 0,
    ) &&
    schema !== null &&
    typeof schema === 'object' &&
    Number.isSafeInteger(schema.version) &&
    Array.isArray(schema.migrations) &&
    schema.migrations.every((m) => typeof m?.name === 'string' && typeof m.checksum === 'string');
  if (!valid) throw new BackupFileError('header', 'the backup file has a malformed header');
  return {
    ...(value as BackupHeader),
    ...(value.encryption !== undefined ? { encryption: checkEncryptionInfo(value.encryption) } : {}),
  };
}

/** Table names MONO writes and restores (never quoted into a statement unless they match). */
export const TABLE_NAME = /^[a-z_][a-z0-9_]{0,63}$/;

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

/** Exact reads from a stream of chunks. */
class ByteReader {
  readonly #source: AsyncIterator<Uint8Array>;
  #chunks: Buffer[] = [];
  #length = 0;
  #ended = false;

  constructor(input: AsyncIterable<Uint8Array>) {
    this.#source = input[Symbol.asyncIterator]();
  }

  /** Exactly n bytes, or undefined when the stream ends first. */
  async read(n: number): Promise<Buffer | undefined> {
    while (this.#length < n && !this.#ended) await this.#pull();
    if (this.#length < n) return undefined;
    // One copy per read, however many chunks it spans.
    const all = this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks);
    const out = all.subarray(0, n);
    const rest = all.subarray(n);
    this.#chunks = rest.length ? [rest] : [];
    this.#length = rest.length;
    return out;
  }

  async atEnd(): Promise<boolean> {
    while (this.#length === 0 && !this.#ended) await this.#pull();
    return this.#length === 0;
  }

  async #pull(): Promise<void> {
    const next = await this.#source.next();
    if (next.done) {
      this.#ended = true;
      return;
    }
    this.#chunks.push(Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength));
    this.#length += next.value.byteLength;
  }
}
