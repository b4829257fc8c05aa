// patches/surrealdb+2.0.8.patch: the SDK's ChannelIterator must not drop values submitted in the same tick, its
// version checks must not load ICU, and its encoder must write numbers past 2^53.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { CborCodec, ChannelIterator, isVersionSupported } from 'surrealdb';
import { openDatastore } from '../../../agent-core/db/datastore.ts';
import { silentLogger } from '../../../agent-core/log/logger.ts';

async function collectSameTick(Channel: typeof ChannelIterator): Promise<number[]> {
  const channel = new Channel<number>();
  const seen: number[] = [];
  const reading = (async () => {
    for await (const value of channel) {
      seen.push(value);
      if (seen.length === 3) return;
    }
  })();
  // Let the reader park on next(), then deliver three values without yielding: what a burst of WebSocket
  // frames or a replay of buffered notifications does.
  await new Promise((resolve) => setImmediate(resolve));
  channel.submit(1);
  channel.submit(2);
  channel.submit(3);
  await Promise.race([reading, new Promise((resolve) => setTimeout(resolve, 2_000))]);
  channel.cancel();
  return seen;
}

test('the ESM build delivers every value submitted in one tick', { timeout: 10_000 }, async () => {
  assert.deepEqual(await collectSameTick(ChannelIterator), [1, 2, 3]);
});

test('the CommonJS build is patched too', { timeout: 10_000 }, async () => {
  const require = createRequire(import.meta.url);
  const cjs = require('surrealdb') as { ChannelIterator: typeof ChannelIterator };
  assert.deepEqual(await collectSameTick(cjs.ChannelIterator), [1, 2, 3]);
});

// patches/surrealdb+2.0.8.patch, second part: the SDK checks versions on connect and on every live query. With
// localeCompare that loads ICU's collation data (~10 ms and several MB of the agent's start) for "3.0.2".
test('version checks compare numerically without ICU collation', () => {
  const require = createRequire(import.meta.url);
  const builds = [
    ['ESM', isVersionSupported],
    [
      'CommonJS',
      (require('surrealdb') as { isVersionSupported: typeof isVersionSupported }).isVersionSupported,
    ],
  ] as const;
  const localeCompare = String.prototype.localeCompare;
  String.prototype.localeCompare = () => {
    throw new Error('localeCompare called');
  };
  try {
    for (const [name, supported] of builds) {
      assert.equal(supported('surrealdb-3.0.2'), true, name);
      assert.equal(supported('2.1.0'), true, name);
      assert.equal(supported('2.0.9'), false, name);
      assert.equal(supported('4.0.0'), false, name);
      assert.equal(supported('3.10.0'), true, name);
      assert.equal(supported('10.0.0'), false, name);
    }
  } finally {
    String.prototype.localeCompare = localeCompare;
  }
});

// patches/surrealdb+2.0.8.patch, third part: a whole number past 2^53 (a JSON id like 12345678901234567890, a
// nanosecond timestamp, 1e300) is a float in JS; the encoder threw "Number too big to be encoded" for it, so a
// webhook body, a tool's input or a file size that held one could not be stored. Written as a float, it comes back
// as the same number; up to 2^53 it stays an integer.
test('numbers past 2^53 are written as floats by both builds, and stored and read back by the engine', async () => {
  const require = createRequire(import.meta.url);
  const builds = [
    ['ESM', CborCodec],
    ['CommonJS', (require('surrealdb') as { CborCodec: typeof CborCodec }).CborCodec],
  ] as const;
  const big = [JSON.parse('12345678901234567890') as number, 1733539937000000000, 1e300, -1e300, -(2 ** 60)];
  for (const [name, Codec] of builds) {
    const codec = new Codec({});
    for (const n of big) {
      const bytes = codec.encode(n);
      assert.equal(bytes[0], 0xfb, `${name}: ${n} as a float64`);
      assert.equal(codec.decode(bytes), n, `${name}: ${n}`);
    }
    assert.deepEqual([...codec.encode(2 ** 53)].slice(0, 1), [0x1b], `${name}: 2^53 still an integer`);
  }
  const ds = await openDatastore({ url: 'mem://', log: silentLogger });
  try {
    const [stored] = await ds.db
      .query('CREATE big:one SET payload = $payload RETURN VALUE payload', {
        payload: { id: big[0], at: big[1] },
      })
      .collect<[{ id: number; at: number }[]]>();
    assert.deepEqual(stored, [{ id: big[0], at: big[1] }]);
  } finally {
    await ds.close();
  }
});
