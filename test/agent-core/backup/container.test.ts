// The backup file format from the unlucky user's and the attacker's side: every cut, every flipped bit, reordered
// chunks, a wrong passphrase and crafted headers are refused with the right reason, and nothing reads as valid.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import {
  CHUNK_BYTES,
  type HeaderFields,
  MAGIC,
  readContainer,
  writeContainer,
} from '../../../agent-core/backup/container.ts';
import { BackupFileError, type BackupFileProblem } from '../../../agent-core/backup/errors.ts';
import { Secret } from '../../../agent-core/config/secret.ts';

/** The cheapest cost the reader accepts: these tests are about the format, not about scrypt's strength. */
const FAST_KDF = { N: 2 ** 14, r: 8, p: 1 };
const PASSPHRASE = new Secret('correct horse battery staple');

const FIELDS: HeaderFields = {
  created_at: '2026-12-05T10:00:00.000Z',
  agent_version: '1.2.3',
  schema: { version: 12, migrations: [{ name: '001-core', checksum: 'abc' }] },
  live: true,
  counts: { message: 3 },
  compression: 'br',
};

async function write(payload: Buffer, passphrase?: Secret, fields: HeaderFields = FIELDS): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const source = (async function* () {
    // Uneven pieces, as a compressor emits them.
    for (let i = 0; i < payload.length; i += 77_777) yield payload.subarray(i, i + 77_777);
  })();
  for await (const chunk of writeContainer(
    fields,
    source,
    passphrase ? { passphrase, kdfCost: FAST_KDF } : {},
  ))
    chunks.push(chunk);
  return Buffer.concat(chunks);
}

async function read(file: Buffer, passphrase?: Secret): Promise<{ fields: HeaderFields; payload: Buffer }> {
  const input = (async function* () {
    for (let i = 0; i < file.length; i += 4096) yield file.subarray(i, i + 4096);
  })();
  const { header, payload } = await readContainer(input, { passphrase: () => passphrase });
  const out: Buffer[] = [];
  for await (const chunk of payload) out.push(chunk);
  const { format: _f, version: _v, encryption: _e, ...fields } = header;
  return { fields, payload: Buffer.concat(out) };
}

async function refusal(file: Buffer, passphrase?: Secret): Promise<BackupFileProblem> {
  try {
    await read(file, passphrase);
  } catch (error) {
    assert.ok(error instanceof BackupFileError, `expected a BackupFileError, got ${String(error)}`);
    return error.problem;
  }
  assert.fail('the damaged file was read as valid');
}

/** Three frames: two full ones and a short last one. */
const PAYLOAD = randomBytes(2 * CHUNK_BYTES + 12_345);

describe('backup file format', () => {
  test('round trip, plain and encrypted; the header stays readable and says how it was sealed', async () => {
    for (const passphrase of [undefined, PASSPHRASE]) {
      const file = await write(PAYLOAD, passphrase);
      assert.ok(file.subarray(0, MAGIC.length).equals(MAGIC));
      const header = JSON.parse(file.subarray(16, 16 + file.readUInt32BE(12)).toString('utf8'));
      assert.equal(header.format, 'mono-backup');
      assert.equal(header.version, 1);
      assert.deepEqual(header.counts, { message: 3 });
      if (passphrase) {
        assert.equal(header.encryption.cipher, 'aes-256-gcm');
        assert.deepEqual(
          { ...header.encryption.kdf, salt: undefined },
          { name: 'scrypt', ...FAST_KDF, salt: undefined },
        );
        assert.equal(Buffer.from(header.encryption.kdf.salt, 'base64').length, 16);
        assert.equal(Buffer.from(header.encryption.nonce, 'base64').length, 12);
        // Encrypted: the payload's bytes appear nowhere in the file.
        assert.equal(file.indexOf(PAYLOAD.subarray(1000, 1032)), -1);
      } else assert.equal(header.encryption, undefined);
      const back = await read(file, passphrase);
      assert.deepEqual(back.fields, FIELDS);
      assert.ok(back.payload.equals(PAYLOAD));
    }
  });

  test('an empty payload is still a whole, checkable file', async () => {
    const file = await write(Buffer.alloc(0));
    assert.equal((await read(file)).payload.length, 0);
    assert.equal(await refusal(file.subarray(0, file.length - 1)), 'truncated');
  });

  test('a file cut anywhere is refused as truncated', async () => {
    for (const passphrase of [undefined, PASSPHRASE]) {
      const file = await write(PAYLOAD, passphrase);
      const cuts = [13, 20, 200, CHUNK_BYTES, CHUNK_BYTES + 4 + 16 + 300, file.length - 33, file.length - 1];
      for (let i = 1; i < 8; i++) cuts.push(Math.floor((file.length * i) / 8));
      for (const cut of cuts) {
        const problem = await refusal(file.subarray(0, cut), passphrase);
        assert.ok(['truncated', 'not-a-backup', 'header'].includes(problem), `cut at ${cut}: ${problem}`);
        if (cut > 400) assert.equal(problem, 'truncated', `cut at ${cut}`);
      }
    }
  });

  test('one flipped bit anywhere (header, frame lengths, data, checksum) is refused', async () => {
    for (const passphrase of [undefined, PASSPHRASE]) {
      const file = await write(PAYLOAD, passphrase);
      const headerEnd = 16 + file.readUInt32BE(12);
      // Inside the header's JSON (a count's digit), on frame words, in data, in the checksum.
      const countAt = file.indexOf('"message":3') + 10;
      const positions = [
        countAt,
        headerEnd + 1,
        headerEnd + 4 + 10,
        headerEnd + CHUNK_BYTES,
        file.length - 5,
      ];
      for (let i = 1; i < 6; i++) positions.push(headerEnd + Math.floor(((file.length - headerEnd) * i) / 6));
      for (const at of positions) {
        const bad = Buffer.from(file);
        bad[at]! ^= at === countAt ? 0x01 : 0x40;
        const problem = await refusal(bad, passphrase);
        assert.ok(['tampered', 'truncated', 'header'].includes(problem), `bit at ${at}: ${problem}`);
      }
    }
  });

  test('encrypted chunks cannot be swapped, dropped or replayed', async () => {
    const file = await write(PAYLOAD, PASSPHRASE);
    const headerEnd = 16 + file.readUInt32BE(12);
    const frames: Buffer[] = [];
    for (let at = headerEnd; at < file.length; ) {
      const length = file.readUInt32BE(at) & 0x7fffffff;
      frames.push(file.subarray(at, at + 4 + length));
      at += 4 + length;
    }
    assert.equal(frames.length, 3);
    const prefix = file.subarray(0, headerEnd);
    const [a, b, c] = frames as [Buffer, Buffer, Buffer];
    assert.equal(await refusal(Buffer.concat([prefix, b, a, c]), PASSPHRASE), 'tampered');
    assert.equal(await refusal(Buffer.concat([prefix, a, c]), PASSPHRASE), 'tampered');
    assert.equal(await refusal(Buffer.concat([prefix, a, a, c]), PASSPHRASE), 'tampered');
    // One file's chunks after another file's header (same passphrase): every chunk is bound to its own header.
    const other = await write(PAYLOAD, PASSPHRASE, { ...FIELDS, counts: { message: 4 } });
    const otherEnd = 16 + other.readUInt32BE(12);
    assert.equal(
      await refusal(Buffer.concat([other.subarray(0, otherEnd), a, b, c]), PASSPHRASE),
      'tampered',
    );
    // Bytes after the end.
    assert.equal(await refusal(Buffer.concat([file, Buffer.from('x')]), PASSPHRASE), 'tampered');
  });

  test('a wrong or missing passphrase is told apart from a damaged file', async () => {
    const file = await write(PAYLOAD, PASSPHRASE);
    assert.equal(await refusal(file, new Secret('Correct horse battery staple')), 'passphrase');
    assert.equal(await refusal(file), 'passphrase-needed');
    await assert.rejects(
      read(file, new Secret('nope nope nope')),
      /the passphrase is wrong for this backup file/,
    );
    // A plain file needs none and ignores one.
    const plain = await write(PAYLOAD);
    assert.ok((await read(plain, PASSPHRASE)).payload.equals(PAYLOAD));
  });

  test('crafted headers are refused before any work is done with them', async () => {
    const file = await write(Buffer.from('payload'), PASSPHRASE);
    const headerEnd = 16 + file.readUInt32BE(12);
    const header = JSON.parse(file.subarray(16, headerEnd).toString('utf8'));
    const withHeader = (value: unknown) => {
      const json = Buffer.from(JSON.stringify(value));
      const length = Buffer.alloc(4);
      length.writeUInt32BE(json.length);
      return Buffer.concat([MAGIC, length, json, file.subarray(headerEnd)]);
    };
    const started = performance.now();
    // 2^30 · 8 · 128 bytes would be 1 TiB of memory for scrypt.
    const greedy = {
      ...header,
      encryption: { ...header.encryption, kdf: { ...header.encryption.kdf, N: 2 ** 30 } },
    };
    assert.equal(await refusal(withHeader(greedy), PASSPHRASE), 'header');
    assert.ok(performance.now() - started < 1000, 'refused without deriving a key');
    assert.equal(await refusal(withHeader({ ...header, version: 2 }), PASSPHRASE), 'version');
    // Past MONO's magic, a header that does not read is a damaged backup, not another kind of file.
    assert.equal(await refusal(withHeader({ ...header, format: 'other' }), PASSPHRASE), 'header');
    assert.equal(
      await refusal(withHeader({ ...header, counts: { 'message`; REMOVE TABLE x; --': 1 } })),
      'header',
    );
    assert.equal(
      await refusal(withHeader({ ...header, encryption: { ...header.encryption, cipher: 'rot13' } })),
      'header',
    );
    assert.equal(await refusal(Buffer.from('SQLite format 3\0 and more bytes')), 'not-a-backup');
    const huge = Buffer.concat([MAGIC, Buffer.from([0x7f, 0xff, 0xff, 0xff])]);
    assert.equal(await refusal(huge), 'header');
    const notJson = Buffer.concat([MAGIC, Buffer.from([0, 0, 0, 3]), Buffer.from('{x}')]);
    assert.equal(await refusal(notJson), 'header');
  });
});
