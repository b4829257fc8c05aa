// A client that sends its requests without waiting for answers, mixing session changes (`use`, `let`, `set`,
// `unset`) with queries and selects on the same session, as any client may (by mistake or on purpose).
// The embedded engine deadlocks a session when a state change runs beside another request of it
// (see session-order.ts): every request must still be answered, once, and in effect in the order it was sent.
// And a client pipelining hundreds of large frames at a slow engine: the hub reads no faster than it answers.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Uuid } from 'surrealdb';
import type { Datastore } from '../../../agent-core/db/datastore-types.ts';
import { HUB_LIMITS } from '../../../agent-core/hub/rules.ts';
import type { Hub } from '../../../agent-core/hub/server.ts';
import { startMemoryHub, USER } from './memory-hub.ts';
import { firstResult, RawRpcClient } from './raw-client.ts';

const PASSWORD = 'hub-password-for-pipelined-sessions';
const SIGNIN = [{ user: USER, pass: PASSWORD, ns: 'mono', db: 'agent' }];
const ROUNDS = 25;
/** Far longer than a round takes (a few ms); a deadlocked session never answers at all. */
const ROUND_DEADLINE_MS = 10_000;
let ds: Datastore;
let hub: Hub;

before(async () => {
  ({ ds, hub } = await startMemoryHub(PASSWORD));
});

// Bounded: with a deadlocked session the hub's close would wait for it forever.
after(
  async () => {
    await hub?.close();
    await ds?.close();
  },
  { timeout: 15_000 },
);

/** One round on one session, every request sent before any answer is read. */
function pipeline(client: RawRpcClient, round: number, session: Uuid | undefined) {
  const extra = session ? { session } : {};
  const send = (method: string, params?: unknown[]) => client.call(method, params, extra);
  return {
    setA: send('let', ['a', round]),
    readA: send('query', ['RETURN $a']),
    use: send('use', ['mono', 'agent']),
    select: send('select', ['message']),
    setB: send('set', ['b', `b${round}`]),
    readB: send('query', ['RETURN $b']),
    messages: send('query', ['SELECT VALUE text FROM message']),
    unsetB: send('unset', ['b']),
    readBAgain: send('query', ['RETURN $b']),
    run: send('run', ['string::len', null, ['four']]),
  };
}

test('requests pipelined on one session, state changes among them, are all answered once and in order', {
  timeout: 120_000,
}, async () => {
  const client = new RawRpcClient(hub.address);
  try {
    assert.equal((await client.call('signin', SIGNIN)).error, undefined);
    const attached = Uuid.v4();
    assert.equal((await client.call('attach', undefined, { session: attached })).error, undefined);
    assert.equal((await client.call('signin', SIGNIN, { session: attached })).error, undefined);

    for (let round = 1; round <= ROUNDS; round++) {
      const sessions = [undefined, attached].map((session) => pipeline(client, round, session));
      const everything = sessions.flatMap((requests) => Object.entries(requests));
      const answered = new Set<string>();
      let timer: NodeJS.Timeout | undefined;
      const allAnswered = await Promise.race([
        Promise.all(
          everything.map(([name, answer], i) => answer.then(() => answered.add(`${i}:${name}`))),
        ).then(() => true),
        new Promise<false>((resolve) => {
          timer = setTimeout(() => resolve(false), ROUND_DEADLINE_MS);
        }),
      ]);
      clearTimeout(timer);
      const missing = everything.map(([name], i) => `${i}:${name}`).filter((key) => !answered.has(key));
      assert.ok(allAnswered, `round ${round}: never answered: ${missing.join(', ')}`);

      for (const requests of sessions) {
        for (const name of ['setA', 'use', 'setB', 'unsetB'] as const)
          assert.equal((await requests[name]).error, undefined, `round ${round}: ${name}`);
        assert.equal(firstResult(await requests.readA), round, `round ${round}: RETURN $a after let`);
        assert.equal(firstResult(await requests.readB), `b${round}`, `round ${round}: RETURN $b after set`);
        assert.equal(
          firstResult(await requests.readBAgain),
          undefined,
          `round ${round}: RETURN $b after unset`,
        );
        assert.deepEqual(firstResult(await requests.messages), ['hi']);
        assert.deepEqual(
          ((await requests.select).result as { text: string }[]).map((row) => row.text),
          ['hi'],
        );
        assert.equal((await requests.run).result, 4, `round ${round}: run`);
      }
    }
    assert.equal(client.strays, 0, 'no request answered twice, no answer to a request never sent');
  } finally {
    await client.close();
  }
});

test('hundreds of large requests pipelined: all answered once, and the engine holds only a few dozen at a time', {
  timeout: 120_000,
}, async () => {
  const client = new RawRpcClient(hub.address);
  const engine = ds.engine!;
  const execute = engine.executeRaw.bind(engine);
  // Watches the real engine, made slow (each request held 300 ms first): how many of the hub's requests it holds at
  // once. A slow engine is when a client's pipelined frames would pile up in the agent.
  let running = 0;
  let most = 0;
  engine.executeRaw = async (...args) => {
    most = Math.max(most, ++running);
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      return await execute(...args);
    } finally {
      running -= 1;
    }
  };
  try {
    assert.equal((await client.call('signin', SIGNIN)).error, undefined);
    const text = 'x'.repeat(200 * 1024);
    const answers = await Promise.all(
      Array.from({ length: 300 }, () => client.call('query', ['RETURN string::len($text)', { text }])),
    );
    const lengths = answers.map(firstResult);
    assert.deepEqual(new Set(lengths), new Set([text.length]), 'every request answered with its result');
    assert.equal(client.strays, 0, 'none answered twice');
    // A frame the socket had already read when the hub paused it still arrives: one more than the limit.
    assert.ok(
      most <= HUB_LIMITS.requestsInFlight + 1,
      `the engine held ${most} requests of one client at once (limit ${HUB_LIMITS.requestsInFlight})`,
    );
  } finally {
    engine.executeRaw = execute;
    await client.close();
  }
});
