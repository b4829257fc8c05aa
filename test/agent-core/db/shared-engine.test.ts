// The shared engine's one notification stream: each notification reaches its own session's owner, and a live
// query nobody owns any more is killed rather than fed forever.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Surreal, Table, Uuid } from 'surrealdb';
import { openDatastore } from '../../../agent-core/db/datastore.ts';
import { loadNativeEngine, type RawEngine } from '../../../agent-core/db/native-engine.ts';
import { type LiveNotification, SharedEngine } from '../../../agent-core/db/shared-engine.ts';
import { silentLogger } from '../../../agent-core/log/logger.ts';

async function livesOn(db: Surreal, table: string): Promise<string[]> {
  const [info] = await db.query(`INFO FOR TABLE ${table}`).collect<[{ lives: Record<string, string> }]>();
  return Object.keys(info.lives);
}

test('notifications go to the session that owns the live query, not to the agent', {
  timeout: 20_000,
}, async () => {
  const ds = await openDatastore({ url: 'mem://', log: silentLogger });
  const engine = ds.engine!;
  try {
    await ds.db.query('DEFINE TABLE row SCHEMALESS').collect();
    const mine = await ds.db.live(new Table('row'));
    const agentSaw: string[] = [];
    mine.subscribe((message) => agentSaw.push(`${message.queryId} ${message.recordId}`));

    const other = Uuid.v4();
    await engine.call({ method: 'attach', session: other });
    await engine.call({ method: 'use', params: ['mono', 'agent'], session: other });
    const otherSaw: LiveNotification[] = [];
    const unroute = engine.routeSession(other, (notification) => otherSaw.push(notification));
    const otherLive = String(await engine.call({ method: 'live', params: ['row'], session: other }));

    await ds.db.query('CREATE row:1; CREATE row:2').collect();
    const deadline = Date.now() + 10_000;
    while ((agentSaw.length < 2 || otherSaw.length < 2) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(agentSaw.length, 2);
    assert.ok(
      agentSaw.every((line) => line.startsWith(String(mine.id))),
      'the agent saw only its own live query',
    );
    assert.deepEqual(
      otherSaw.map((n) => String(n.id)),
      [otherLive, otherLive],
    );
    unroute();
    await mine.kill();
  } finally {
    await ds.close();
  }
});

test('a live query whose owner is gone is killed at its next notification', { timeout: 20_000 }, async () => {
  const ds = await openDatastore({ url: 'mem://', log: silentLogger });
  const engine = ds.engine!;
  try {
    await ds.db.query('DEFINE TABLE lost SCHEMALESS').collect();
    const orphan = Uuid.v4();
    await engine.call({ method: 'attach', session: orphan });
    await engine.call({ method: 'use', params: ['mono', 'agent'], session: orphan });
    const id = String(await engine.call({ method: 'live', params: ['lost'], session: orphan }));
    assert.deepEqual(await livesOn(ds.db, 'lost'), [id]);
    await ds.db.query('CREATE lost:1').collect();
    const deadline = Date.now() + 10_000;
    while ((await livesOn(ds.db, 'lost')).length > 0) {
      assert.ok(Date.now() < deadline, 'the orphaned live query was killed');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    await ds.close();
  }
});

test('closing while the engine runs a request waits for it (freeing under it aborts the process)', {
  timeout: 20_000,
}, async () => {
  const ds = await openDatastore({ url: 'mem://', log: silentLogger });
  const engine = ds.engine!;
  const running = engine.executeRaw(
    engine.codec.encode({ id: 1, method: 'query', params: ['SLEEP 300ms; RETURN 7'] }),
  );
  await ds.close();
  const results = engine.codec.decode(await running) as { result: unknown }[];
  assert.equal(results[1]?.result, 7);
  // And after close nothing reaches the freed engine (which would abort the process too).
  await assert.rejects(engine.call({ method: 'ping' }), /closed/);
});

test('a burst of requests from every side reaches the engine at most eight at a time, and each is answered', {
  timeout: 20_000,
}, async () => {
  const raw = await loadNativeEngine().connect('mem://');
  let running = 0;
  let most = 0;
  // The real engine, counted on the way in and out.
  const counted: RawEngine = {
    execute: async (request) => {
      running++;
      most = Math.max(most, running);
      try {
        return await raw.execute(request);
      } finally {
        running--;
      }
    },
    notifications: () => raw.notifications(),
    import: (sql) => raw.import(sql),
    export: (options) => raw.export(options),
    free: () => raw.free(),
  };
  const engine = new SharedEngine(counted, silentLogger);
  await engine.start();
  try {
    await engine.call({ method: 'use', params: ['mono', 'agent'] });
    const answers = await Promise.all(
      Array.from({ length: 500 }, (_, n) =>
        engine.call({ method: 'query', params: ['CREATE ONLY item SET n = $n RETURN VALUE n', { n }] }),
      ),
    );
    const values = answers.map((answer) => (answer as { result: unknown }[])[0]!.result);
    assert.deepEqual(
      values,
      Array.from({ length: 500 }, (_, n) => n),
    );
    assert.ok(most <= 8, `${most} requests were in the engine at once`);
    assert.ok(most >= 2, 'requests still run side by side');
  } finally {
    await engine.close();
  }
});
