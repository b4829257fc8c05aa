// The gate in front of the hub's password checks: never more at once than its slots, every caller served in
// turn, a failure freeing its slot like a success.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gate } from '../../../agent-core/hub/gate.ts';

test('at most two at once, in order, and a rejection frees its slot', async () => {
  const run = gate(2);
  let active = 0;
  let most = 0;
  const order: number[] = [];
  const task = (n: number) =>
    run(async () => {
      active += 1;
      most = Math.max(most, active);
      await new Promise((resolve) => setTimeout(resolve, 5));
      active -= 1;
      order.push(n);
      if (n % 3 === 0) throw new Error(`task ${n} failed`);
      return n;
    });
  const results = await Promise.allSettled(Array.from({ length: 12 }, (_, n) => task(n)));
  assert.equal(most, 2);
  assert.deepEqual(
    results.map((r) => r.status),
    Array.from({ length: 12 }, (_, n) => (n % 3 === 0 ? 'rejected' : 'fulfilled')),
  );
  // Started in order, two at a time: each finishes no earlier than the one two places ahead of it.
  for (let i = 2; i < order.length; i++)
    assert.ok(order.indexOf(i) > order.indexOf(i - 2), JSON.stringify(order));
  assert.equal(await run(async () => 'free again'), 'free again');
});
