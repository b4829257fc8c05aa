// patches/surrealdb+2.0.8.patch: the SDK's ChannelIterator must not drop values submitted in the same tick.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { ChannelIterator } from 'surrealdb';

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
