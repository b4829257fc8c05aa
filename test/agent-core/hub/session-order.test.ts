// The order of one engine session's requests (session-order.ts), with requests whose ends the test controls.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SessionOrder } from '../../../agent-core/hub/session-order.ts';

/** A request the test finishes by hand; `started` says whether the order has let it run yet. */
function request(order: SessionOrder, method: string, fail = false) {
  let finish = () => {};
  const handle = { started: false, result: undefined as Promise<string> | undefined, finish: () => finish() };
  handle.result = order.run(method, () => {
    handle.started = true;
    return new Promise<string>((resolve, reject) => {
      finish = () => (fail ? reject(new Error(`${method} failed`)) : resolve(method));
    });
  });
  handle.result.catch(() => {});
  return handle;
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

test('requests that do not change the session run side by side', async () => {
  const order = new SessionOrder();
  const requests = ['query', 'select', 'create', 'live', 'kill'].map((method) => request(order, method));
  await turn();
  assert.deepEqual(
    requests.map((r) => r.started),
    [true, true, true, true, true],
  );
  for (const r of requests) r.finish();
  assert.deepEqual(await Promise.all(requests.map((r) => r.result)), [
    'query',
    'select',
    'create',
    'live',
    'kill',
  ]);
});

test('a state change waits for the requests before it, and the requests after it wait for it', async () => {
  const order = new SessionOrder();
  const query = request(order, 'query');
  const select = request(order, 'select');
  const use = request(order, 'use');
  const later = request(order, 'query');
  await turn();
  assert.equal(use.started, false, 'use waits while a query and a select run');
  assert.equal(later.started, false, 'a query sent after use waits for it');
  query.finish();
  await turn();
  assert.equal(use.started, false, 'use still waits for the select');
  select.finish();
  await turn();
  assert.equal(use.started, true);
  assert.equal(later.started, false, 'the later query waits until use has run');
  use.finish();
  await turn();
  assert.equal(later.started, true);
  later.finish();
  assert.equal(await later.result, 'query');
});

test('state changes run one at a time, in the order they came', async () => {
  const order = new SessionOrder();
  const changes = ['signin', 'let', 'unset', 'invalidate'].map((method) => request(order, method));
  for (let i = 0; i < changes.length; i++) {
    await turn();
    assert.deepEqual(
      changes.map((c) => c.started),
      changes.map((_, j) => j <= i),
      `only the first ${i + 1} have started`,
    );
    changes[i]!.finish();
  }
  assert.deepEqual(await Promise.all(changes.map((c) => c.result)), ['signin', 'let', 'unset', 'invalidate']);
});

test('a failed request is its own caller’s error and holds up nobody', async () => {
  const order = new SessionOrder();
  const query = request(order, 'query', true);
  const use = request(order, 'use', true);
  const after = request(order, 'select');
  await turn();
  query.finish();
  await assert.rejects(query.result!, /query failed/);
  await turn();
  assert.equal(use.started, true, 'use runs after a query that failed');
  use.finish();
  await assert.rejects(use.result!, /use failed/);
  await turn();
  assert.equal(after.started, true, 'a select runs after a use that failed');
  after.finish();
  assert.equal(await after.result, 'select');
});
