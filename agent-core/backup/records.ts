// A backup's payload: pages of rows as SurrealDB's own CBOR (record ids, datetimes and every other value kind
// survive exactly), each length-prefixed, the whole brotli-compressed.
import { pipeline } from 'node:stream/promises';
import { constants, createBrotliCompress, createBrotliDecompress } from 'node:zlib';
import { CborCodec } from 'surrealdb';
import { errorMessage } from '../util/error-message.ts';
import { tampered, truncated } from './errors.ts';

export interface Page {
  table: string;
  rows: Record<string, unknown>[];
}

/** A page larger than this is not something MONO wrote (rows are small; pages hold a bounded number of them). */
const MAX_ITEM_BYTES = 256 * 1024 * 1024;
/** Quality 5: a third of gzip's size for this data at a fraction of brotli's top quality's time. */
const BROTLI_QUALITY = 5;

const codec = new CborCodec({});

/** Compressed payload from pages. */
export async function* encodePages(pages: AsyncIterable<Page>): AsyncGenerator<Buffer> {
  const compress = createBrotliCompress({
    params: {
      [constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY,
      [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_GENERIC,
    },
  });
  const feeding = pipeline(async function* () {
    for await (const page of pages) {
      const item = Buffer.from(codec.encode({ table: page.table, rows: page.rows }));
      const length = Buffer.alloc(4);
      length.writeUInt32BE(item.length);
      yield Buffer.concat([length, item]);
    }
  }, compress);
  // Reading and feeding run together; a failure on either side ends both.
  let failure: unknown;
  feeding.catch((error) => {
    failure = error;
    compress.destroy(error as Error);
  });
  for await (const chunk of compress) yield chunk as Buffer;
  await feeding.catch(() => {});
  if (failure) throw failure;
}

/** Pages from a compressed payload; a payload that does not decode is reported as a damaged file. */
export async function* decodePages(payload: AsyncIterable<Uint8Array>): AsyncGenerator<Page> {
  const decompress = createBrotliDecompress();
  let sourceError: unknown;
  const feeding = pipeline(payload, decompress).catch((error) => {
    sourceError = error;
  });
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  try {
    for await (const piece of decompress) {
      pending.push(piece as Buffer);
      pendingBytes += (piece as Buffer).length;
      while (pendingBytes >= 4) {
        const all = pending.length === 1 ? pending[0]! : Buffer.concat(pending);
        pending = [all];
        const length = all.readUInt32BE(0);
        if (length > MAX_ITEM_BYTES) throw tampered(`a page claims ${length} bytes`);
        if (all.length < 4 + length) break;
        yield toPage(all.subarray(4, 4 + length));
        const rest = all.subarray(4 + length);
        pending = rest.length ? [rest] : [];
        pendingBytes = rest.length;
      }
    }
  } catch (error) {
    // The container's own error (truncated, tampered, wrong key) says more than brotli's.
    await feeding;
    if (sourceError) throw sourceError;
    if ((error as { name?: string }).name === 'BackupFileError') throw error;
    throw tampered(`its records do not decompress (${errorMessage(error)})`);
  }
  await feeding;
  if (sourceError) throw sourceError;
  if (pendingBytes > 0) throw truncated();
}

function toPage(bytes: Buffer): Page {
  let value: unknown;
  try {
    value = codec.decode(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (error) {
    throw tampered(`a page does not decode (${errorMessage(error)})`);
  }
  const page = value as Partial<Page> | undefined;
  if (
    !page ||
    typeof page.table !== 'string' ||
    !Array.isArray(page.rows) ||
    !page.rows.every((row) => row !== null && typeof row === 'object' && !Array.isArray(row))
  )
    throw tampered('a page is malformed');
  return page as Page;
}
