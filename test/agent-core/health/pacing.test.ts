// Retry delays and pacing: capped, jittered backoff; token buckets that let a burst through and then hold a
// backlog to the rate, per chat and for the whole bot.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffDelay } from '../../../agent-core/util/backoff.ts';
import { KeyedPacer, Pacer } from '../../../agent-core/util/pacer.ts';
import { flush, ManualClock } from './manual-clock.ts';

test('backoff doubles, stays in the upper half of its ceiling, and never passes the cap', () => {
  const policy = { baseMs: 1000, capMs: 60_000 };
  assert.equal(
    backoffDelay(0, policy, () => 0),
    500,
  );
  assert.equal(
    backoffDelay(0, policy, () => 1),
    1000,
  );
  assert.equal(
    backoffDelay(3, policy, () => 0),
    4000,
  );
  assert.equal(
    backoffDelay(3, policy, () => 1),
    8000,
  );
  for (const attempt of [6, 10, 50, 1000]) {
    assert.equal(
      backoffDelay(attempt, policy, () => 1),
      60_000,
    );
    assert.equal(
      backoffDelay(attempt, policy, () => 0),
      30_000,
    );
  }
  const spread = new Set(Array.from({ length: 50 }, () => backoffDelay(4, policy)));
  assert.ok(spread.size > 25, 'waiting calls come back at different moments');
});

test('a pacer lets a burst go at once, then one call per interval, in the order asked', async () => {
  const clock = new ManualClock();
  const pacer = new Pacer({ perSecond: 20, burst: 5 }, clock);
  const went: number[] = [];
  const start = clock.now();
  for (let i = 0; i < 25; i++) void pacer.take().then(() => went.push(clock.now() - start));
  await flush();
  await clock.advance(2000);
  assert.equal(went.length, 25);
  assert.deepEqual(went.slice(0, 5), [0, 0, 0, 0, 0]);
  // Then every 50 ms: no second holds more than the rate plus the burst.
  for (let i = 5; i < 25; i++)
    assert.ok(Math.abs(went[i]! - (i - 4) * 50) <= 10, `call ${i} at ${went[i]} ms`);
  assert.ok(went.filter((t) => t < 1000).length <= 25);
});

test('a keyed pacer holds each chat to its own pace inside the bot-wide one', async () => {
  const clock = new ManualClock();
  const pacer = new KeyedPacer({ perSecond: 1, burst: 1 }, { perSecond: 100, burst: 100 }, clock);
  const went: string[] = [];
  for (const chat of ['a', 'a', 'a', 'b']) void pacer.take(chat).then(() => went.push(chat));
  await clock.advance(100);
  assert.deepEqual(went, ['a', 'b'], 'the second message to a waits a second; b does not');
  await clock.advance(2000);
  assert.deepEqual(went, ['a', 'b', 'a', 'a']);
});
