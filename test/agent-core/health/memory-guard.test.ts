// Memory pressure under a known limit: pressed from 70 % of it until back under 60 % (not flapping at one mark),
// never pressed without a limit, and V8 made to collect its garbage when pressure starts but not on every look.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryGuard } from '../../../agent-core/health/memory-guard.ts';
import { collectGarbage } from '../../../agent-core/util/collect-garbage.ts';
import { sleep } from '../../helpers/wait.ts';

const MB = 2 ** 20;
/** Readings are cached for 100 ms: wait that long before the guard sees a new one. */
const nextReading = () => sleep(110);

test('pressed from the high mark until memory is back under the low one', async () => {
  let used = 50 * MB;
  let collections = 0;
  const guard = new MemoryGuard({
    limitBytes: 100 * MB,
    usage: () => used,
    collectGarbage: () => collections++,
  });
  assert.equal(guard.pressed(), false);
  used = 70 * MB;
  await nextReading();
  assert.equal(guard.pressed(), true, 'at 70 % of the limit');
  used = 65 * MB;
  await nextReading();
  assert.equal(guard.pressed(), true, 'still above the low mark');
  used = 59 * MB;
  await nextReading();
  assert.equal(guard.pressed(), false, 'under 60 %');
  assert.deepEqual(guard.state, { usedBytes: 59 * MB, limitBytes: 100 * MB, pressure: false });
  assert.equal(collections, 1, 'one collection when pressure started, none on the later looks within 2 s');
});

test('while pressure lasts, V8 collects again after two seconds, not on every look', async () => {
  let collections = 0;
  const guard = new MemoryGuard({
    limitBytes: 100 * MB,
    usage: () => 90 * MB,
    collectGarbage: () => collections++,
  });
  for (let i = 0; i < 20; i++) {
    assert.equal(guard.pressed(), true);
    await sleep(20);
  }
  assert.equal(collections, 1);
  await sleep(2000);
  guard.pressed();
  assert.equal(collections, 2);
});

test('without a known limit nothing waits and nothing is collected', () => {
  let collections = 0;
  const guard = new MemoryGuard({
    limitBytes: undefined,
    usage: () => 10_000 * MB,
    collectGarbage: () => collections++,
  });
  assert.equal(guard.pressed(), false);
  assert.equal(collections, 0);
});

test('collectGarbage gives back the heap that garbage took', () => {
  let garbage: unknown[] | undefined = Array.from({ length: 1_000_000 }, (_, i) => ({ i }));
  const before = process.memoryUsage().heapUsed;
  garbage = undefined;
  collectGarbage();
  const after = process.memoryUsage().heapUsed;
  assert.equal(garbage, undefined);
  assert.ok(before - after > 20 * MB, `heap went from ${before >> 20} MB to ${after >> 20} MB`);
});
