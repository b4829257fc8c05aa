// What the agent remembers per conversation or sender stays bounded: a hundred thousand senders leave at most the
// bound, the least recently used go first, and what is used keeps its place.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BoundedMap } from '../../../agent-core/util/bounded-map.ts';

test('a hundred thousand senders leave at most the bound, the most recent ones', () => {
  const map = new BoundedMap<string, number>(500);
  for (let i = 0; i < 100_000; i++) map.set(`sender:${i}`, i);
  assert.equal(map.size, 500);
  assert.equal(map.get('sender:99999'), 99_999);
  assert.equal(map.get('sender:99500'), 99_500);
  assert.equal(map.has('sender:99499'), false);
  assert.equal(map.get('sender:0'), undefined);
});

test('reading or writing an entry keeps it; the least recently used goes first', () => {
  const map = new BoundedMap<string, string>(3);
  map.set('a', '1').set('b', '2').set('c', '3');
  assert.equal(map.get('a'), '1'); // a is now the most recent
  map.set('d', '4'); // b goes
  assert.equal(map.has('b'), false);
  map.set('c', '3b'); // c refreshed
  map.set('e', '5'); // a goes (b gone, a older than d, c)
  assert.equal(map.has('a'), false);
  assert.deepEqual(
    ['c', 'd', 'e'].map((k) => map.get(k)),
    ['3b', '4', '5'],
  );
  assert.equal(map.size, 3);
  assert.equal(map.delete('d'), true);
  assert.equal(map.size, 2);
});

test('a bound below one is refused with a clear error', () => {
  assert.throws(() => new BoundedMap(0), /at least 1/);
  assert.throws(() => new BoundedMap(1.5), /at least 1/);
});
