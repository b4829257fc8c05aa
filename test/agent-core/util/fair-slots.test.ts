// Calls to Claude in flight: never more than the limit however many conversations wait, served in turn (a busy
// conversation does not starve the others), a lowered limit holds, a raised one is seen, an abort frees its place.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FairSlots } from '../../../agent-core/util/fair-slots.ts';

const tick = () => new Promise((resolve) => setImmediate(resolve));

test('a thousand conversations at once: never more than the limit in flight, every one served once', async () => {
  const slots = new FairSlots({ limit: () => 8 });
  let inFlight = 0;
  let most = 0;
  const served: string[] = [];
  await Promise.all(
    Array.from({ length: 1000 }, async (_, i) => {
      const release = await slots.acquire(`conversation:${i}`);
      inFlight++;
      most = Math.max(most, inFlight);
      await tick();
      served.push(`conversation:${i}`);
      inFlight--;
      release();
    }),
  );
  assert.equal(most, 8);
  assert.equal(served.length, 1000);
  assert.equal(new Set(served).size, 1000);
  assert.equal(slots.inUse, 0);
  assert.equal(slots.waiting, 0);
});

test('a conversation calling again and again waits its turn behind the others', async () => {
  const slots = new FairSlots({ limit: () => 1 });
  const order: string[] = [];
  const hold = await slots.acquire('busy');
  // The busy conversation queues five more calls, then three others queue one each.
  const waits = [
    ...Array.from({ length: 5 }, () => slots.acquire('busy').then((release) => ({ key: 'busy', release }))),
    ...['a', 'b', 'c'].map((key) => slots.acquire(key).then((release) => ({ key, release }))),
  ];
  for (const wait of waits)
    void wait.then(({ key, release }) => {
      order.push(key);
      setImmediate(release);
    });
  hold();
  await Promise.all(waits);
  assert.deepEqual(order, ['busy', 'a', 'b', 'c', 'busy', 'busy', 'busy', 'busy']);
});

test('a lowered limit holds new calls until enough finish; a raised one lets waiting calls go', async () => {
  let limit = 4;
  const slots = new FairSlots({ limit: () => limit, recheckMs: 10 });
  const held = await Promise.all([0, 1, 2, 3].map((i) => slots.acquire(`c${i}`)));
  limit = 2; // memory got short
  let started = 0;
  const more = [4, 5, 6].map((i) =>
    slots.acquire(`c${i}`).then((release) => {
      started++;
      return release;
    }),
  );
  held[0]!();
  held[1]!();
  await tick();
  assert.equal(started, 0, 'still two in flight: at the lowered limit');
  held[2]!();
  await tick();
  assert.equal(started, 1);
  limit = 8; // memory is back: the waiting calls go without anyone finishing
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(started, 3);
  for (const release of await Promise.all(more)) release();
  held[3]!();
  assert.equal(slots.inUse, 0);
});

test('an aborted wait leaves the line, rejects, and takes no slot; a release twice frees one slot only', async () => {
  const slots = new FairSlots({ limit: () => 1 });
  const first = await slots.acquire('a');
  const controller = new AbortController();
  const aborted = slots.acquire('b', controller.signal);
  const next = slots.acquire('c');
  controller.abort(new Error('turn cancelled'));
  await assert.rejects(aborted, /turn cancelled/);
  assert.equal(slots.waiting, 1);
  first();
  first();
  const release = await next;
  assert.equal(slots.inUse, 1);
  // A second release of the first call did not open a second slot.
  let extra = false;
  void slots.acquire('d').then(() => {
    extra = true;
  });
  await tick();
  assert.equal(extra, false);
  release();
  await tick();
  assert.equal(extra, true);
  await assert.rejects(slots.acquire('e', AbortSignal.abort(new Error('gone'))), /gone/);
});
