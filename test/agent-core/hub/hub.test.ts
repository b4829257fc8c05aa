// The db hub with the official SDK in a second process: sign-in first, queries, live notifications for the agent's
// writes, isolation between connections, cleanup when a connection closes, and MONO_DB_URL against a hub.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Uuid } from 'surrealdb';
import { Secret } from '../../../agent-core/config/secret.ts';
import { openDatastore } from '../../../agent-core/db/datastore.ts';
import type { Datastore } from '../../../agent-core/db/datastore-types.ts';
import { type Hub, HubError, startHub } from '../../../agent-core/hub/server.ts';
import { silentLogger } from '../../../agent-core/log/logger.ts';
import { ClientProcess } from './client-process.ts';
import { RawRpcClient } from './raw-client.ts';

// Quotes and a backslash: DEFINE USER takes the password as a literal, so it must be escaped right.
const PASSWORD = `s3cr'et\\"pw`;
const USER = 'mono';
let ds: Datastore;
let hub: Hub;
const clients: ClientProcess[] = [];

function client(): ClientProcess {
  const created = new ClientProcess();
  clients.push(created);
  return created;
}

async function signedIn(): Promise<ClientProcess> {
  const c = client();
  await c.run('connect', { url: hub.address, username: USER, password: PASSWORD });
  return c;
}

/** The live queries the engine holds on a table (server side, not what any client believes). */
async function livesOn(table: string): Promise<string[]> {
  const [info] = await ds.db.query(`INFO FOR TABLE ${table}`).collect<[{ lives: Record<string, string> }]>();
  return Object.keys(info.lives);
}

async function eventually(check: () => Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`still not true after ${ms} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

before(async () => {
  ds = await openDatastore({ url: 'mem://', log: silentLogger });
  await ds.db
    .query('DEFINE TABLE message SCHEMALESS; DEFINE TABLE note SCHEMALESS; DEFINE TABLE gone SCHEMALESS')
    .collect();
  hub = await startHub(ds, {
    listen: { host: '127.0.0.1', port: 0 },
    credentials: { username: USER, password: new Secret(PASSWORD) },
    log: silentLogger,
  });
});

after(async () => {
  await Promise.all(clients.map((c) => c.stop()));
  await hub?.close();
  await ds?.close();
});

test('a wrong password or user is refused', { timeout: 30_000 }, async () => {
  const c = client();
  await assert.rejects(
    c.run('connect', { url: hub.address, username: USER, password: 'wrong' }),
    /authentication/i,
  );
  const d = client();
  await assert.rejects(
    d.run('connect', { url: hub.address, username: 'nobody', password: PASSWORD }),
    /authentication/i,
  );
});

test('nothing but sign-in works before signing in', { timeout: 30_000 }, async () => {
  const c = client();
  await c.run('connect', { url: hub.address, signin: false });
  await assert.rejects(c.run('query', { sql: 'RETURN 1' }), /sign in/i);
  await assert.rejects(c.run('query', { sql: 'CREATE note:sneaky' }), /sign in/i);
  // The SDK reports a refused LIVE as "Live subscription failed to listen" (the hub's reason is its cause).
  await assert.rejects(c.run('live', { table: 'note', name: 'x' }), /sign in|failed to listen/i);
  assert.deepEqual(await livesOn('note'), []);
  assert.deepEqual(await ds.db.query('SELECT * FROM note:sneaky').collect(), [[]]);
  await c.run('signin', { username: USER, password: PASSWORD });
  assert.deepEqual(await c.run('query', { sql: 'RETURN 1' }), [1]);
  // The namespace and database chosen before signing in apply once signed in.
  assert.deepEqual(await c.run('query', { sql: 'RETURN [session::ns(), session::db()]' }), [
    ['mono', 'agent'],
  ]);

  // Below the SDK: anything but session set-up is refused, and `use` creates nothing before sign-in.
  const raw = new RawRpcClient(hub.address);
  try {
    assert.match((await raw.call('query', ['INFO FOR ROOT'])).error?.message ?? '', /sign in/i);
    assert.match((await raw.call('begin')).error?.message ?? '', /sign in/i);
    assert.match((await raw.call('sessions')).error?.message ?? '', /sign in/i);
    assert.match(
      (await raw.call('use', ['sneaky_ns', 'sneaky_db'])).error?.message ?? '',
      /serves namespace mono, database agent only/,
    );
    const [root] = await ds.db.query('INFO FOR ROOT').collect<[{ namespaces: Record<string, string> }]>();
    assert.ok(!('sneaky_ns' in root.namespaces), 'no namespace was created for an anonymous session');
    // Held set-up runs, in order, once the session has signed in.
    await raw.call('use', ['mono', 'agent']);
    await raw.call('let', ['greeting', 'held']);
    assert.equal(
      (await raw.call('signin', [{ user: USER, pass: PASSWORD, ns: 'mono', db: 'agent' }])).error,
      undefined,
    );
    const [answer] = (await raw.call('query', ['RETURN [$greeting, session::ns(), session::db()]']))
      .result as {
      result: unknown;
    }[];
    assert.deepEqual(answer?.result, ['held', 'mono', 'agent']);
  } finally {
    await raw.close();
  }
  // A held request the engine refuses when it runs (a protected variable) was answered when held: it neither fails
  // the sign-in that worked nor keeps the requests held after it from running.
  const odd = new RawRpcClient(hub.address);
  try {
    assert.equal((await odd.call('let', ['session', 1])).error, undefined);
    assert.equal((await odd.call('let', ['after', 'kept'])).error, undefined);
    const signin = await odd.call('signin', [{ user: USER, pass: PASSWORD, ns: 'mono', db: 'agent' }]);
    assert.equal(signin.error, undefined, JSON.stringify(signin.error));
    const [kept] = (await odd.call('query', ['RETURN $after'])).result as { result: unknown }[];
    assert.equal(kept?.result, 'kept');
  } finally {
    await odd.close();
  }
});

test('the agent’s own connection keeps root rights next to the hub user', { timeout: 10_000 }, async () => {
  await hub.ready;
  const [root, db] = await ds.db
    .query('INFO FOR ROOT; INFO FOR DB')
    .collect<[{ users: Record<string, string> }, { users: Record<string, string> }]>();
  assert.deepEqual(Object.keys(root.users), [], 'no root user: the hub user belongs to mono/agent');
  assert.match(db.users[USER] ?? '', /ON DATABASE .*ROLES EDITOR/);
  assert.ok(!db.users[USER]?.includes(PASSWORD), 'only a hash is stored');
  await ds.db.query('DEFINE NAMESPACE IF NOT EXISTS scratch; REMOVE NAMESPACE scratch').collect();
});

test('a signed-in client queries and gets live notifications for the agent’s writes', {
  timeout: 30_000,
}, async () => {
  const c = await signedIn();
  await ds.db.query('CREATE message:first SET text = "hello"').collect();
  assert.deepEqual(await c.run('query', { sql: 'SELECT text FROM message:first' }), [[{ text: 'hello' }]]);
  await c.run('live', { table: 'message', name: 'messages' });
  // Many rows in one query: notifications arrive in bursts, which the unpatched SDK partly drops.
  const creates = Array.from({ length: 25 }, (_, i) => `CREATE message:n${i} SET text = "m${i}";`).join(' ');
  await ds.db.query(`${creates} UPDATE message:first SET text = "changed"`).collect();
  const events = await c.waitForEvents('messages', 26);
  assert.equal(events.filter((e) => e.action === 'CREATE').length, 25);
  const update = events.find((e) => e.action === 'UPDATE');
  assert.equal(update?.record, 'message:first');
  assert.equal(update?.value?.text, 'changed');
});

test('two connections cannot touch each other’s sessions, transactions or live queries', {
  timeout: 30_000,
}, async () => {
  const a = await signedIn();
  const b = await signedIn();
  const aLive = await a.run<string>('live', { table: 'note', name: 'a-notes' });
  await b.run('live', { table: 'note', name: 'b-notes' });
  await a.run('query', { sql: 'LET $mine = "a"' });
  assert.deepEqual(await b.run('query', { sql: 'RETURN $mine' }), [null]);

  // B may not kill A's live query, whether by KILL statement or by parameter.
  await assert.rejects(b.run('query', { sql: `KILL u"${aLive}"` }), /not one of this connection/);
  await assert.rejects(
    b.run('query', { sql: 'KILL $id', vars: { id: new Uuid(aLive).toString() } }),
    /not one of/,
  );
  await ds.db.query('CREATE note:shared SET n = 1').collect();
  const [aEvent] = await a.waitForEvents('a-notes', 1);
  const [bEvent] = await b.waitForEvents('b-notes', 1);
  assert.equal(aEvent?.record, 'note:shared');
  assert.equal(bEvent?.record, 'note:shared');
  assert.ok(!b.events.some((e) => e.name === 'a-notes') && !a.events.some((e) => e.name === 'b-notes'));

  // A transaction belongs to the connection that began it.
  const owner = new RawRpcClient(hub.address);
  const other = new RawRpcClient(hub.address);
  try {
    for (const raw of [owner, other]) {
      assert.equal(
        (await raw.call('signin', [{ user: USER, pass: PASSWORD, ns: 'mono', db: 'agent' }])).error,
        undefined,
      );
      await raw.call('use', ['mono', 'agent']);
    }
    const { result: txn } = await owner.call('begin');
    assert.ok(txn instanceof Uuid);
    const stolen = await other.call('query', ['CREATE note:stolen'], { txn });
    assert.match(stolen.error?.message ?? '', /Transaction .* not found/);
    assert.match((await other.call('cancel', [txn])).error?.message ?? '', /not found/);
    assert.equal((await owner.call('query', ['CREATE note:owned'], { txn })).error, undefined);
    assert.equal((await owner.call('commit', [txn])).error, undefined);
    // The sessions a connection sees are its own.
    const session = Uuid.v4();
    assert.equal((await owner.call('attach', undefined, { session })).error, undefined);
    const seen = await other.call('sessions');
    assert.deepEqual(seen.result, []);
    assert.match((await other.call('query', ['RETURN 1'], { session })).error?.message ?? '', /not found/);
  } finally {
    await owner.close();
    await other.close();
  }
  const [ids] = await ds.db.query('RETURN (SELECT VALUE meta::id(id) FROM note)').collect<[string[]]>();
  assert.deepEqual(ids.sort(), ['owned', 'shared']);
});

test('a closed connection’s live queries are killed on the server', { timeout: 30_000 }, async () => {
  const c = await signedIn();
  await c.run('live', { table: 'gone', name: 'g1' });
  await c.run('rawLive', { sql: 'LIVE SELECT * FROM gone WHERE n > 1', name: 'g2' });
  assert.equal((await livesOn('gone')).length, 2);
  await c.stop();
  await eventually(
    async () => (await livesOn('gone')).length === 0,
    'the closed connection’s live queries are gone',
  );
});

test('a connection that never signs in is closed, and the hub answers health itself', {
  timeout: 30_000,
}, async () => {
  const strict = await startHub(ds, {
    listen: { host: '127.0.0.1', port: 0 },
    credentials: { username: USER, password: new Secret(PASSWORD) },
    log: silentLogger,
    signinTimeoutMs: 300,
  });
  try {
    await strict.ready;
    const raw = new RawRpcClient(strict.address);
    assert.equal((await raw.call('health')).error, undefined);
    assert.match((await raw.call('select', ['note'])).error?.message ?? '', /sign in/i);
    await raw.closed;
  } finally {
    await strict.close();
  }
});

test('a client that stops answering pings is dropped and its live queries killed', {
  timeout: 30_000,
}, async () => {
  const watchful = await startHub(ds, {
    listen: { host: '127.0.0.1', port: 0 },
    credentials: { username: USER, password: new Secret(PASSWORD) },
    log: silentLogger,
    heartbeatMs: 200,
  });
  // Signing in must not race the heartbeat: the hub user is defined (argon2) while the hub starts.
  await watchful.ready;
  const silent = new RawRpcClient(watchful.address);
  try {
    assert.equal(
      (await silent.call('signin', [{ user: USER, pass: PASSWORD, ns: 'mono', db: 'agent' }])).error,
      undefined,
    );
    await silent.call('use', ['mono', 'agent']);
    const { result: id } = await silent.call('live', ['gone']);
    assert.ok((await livesOn('gone')).includes(String(id)));
    // From here on, a peer whose network vanished: it answers nothing.
    silent.answerPings = false;
    await silent.closed;
    await eventually(
      async () => !(await livesOn('gone')).includes(String(id)),
      'the dropped client’s live query is gone',
    );
  } finally {
    await watchful.close();
  }
});

test('MONO_DB_URL: openDatastore in another process uses this hub', { timeout: 30_000 }, async () => {
  const c = client();
  assert.equal(
    await c.run('openDatastore', { url: hub.address, username: USER, password: PASSWORD }),
    'remote',
  );
  assert.equal(await c.run('health'), true);
  assert.deepEqual(await c.run('query', { sql: 'RETURN [session::ns(), session::db()]' }), [
    ['mono', 'agent'],
  ]);
  await c.run('transaction', { statements: ['CREATE note:remote1', 'CREATE note:remote2'] });
  const [ids] = await ds.db
    .query('RETURN (SELECT VALUE meta::id(id) FROM note WHERE meta::id(id) CONTAINS "remote")')
    .collect<[string[]]>();
  assert.deepEqual(ids.sort(), ['remote1', 'remote2']);
  await c.run('live', { table: 'message', name: 'remote-live' });
  await ds.db.query('CREATE message:for_remote; UPDATE message:for_remote SET seen = true').collect();
  const events = await c.waitForEvents('remote-live', 2);
  assert.deepEqual(events.map((e) => e.action).sort(), ['CREATE', 'UPDATE']);
  await c.run('close');
});

test('MONO_DB_URL: the remote datastore reconnects and resubscribes after the server restarts', {
  timeout: 60_000,
}, async () => {
  const options = {
    credentials: { username: USER, password: new Secret(PASSWORD) },
    log: silentLogger,
  };
  let server = await startHub(ds, { listen: { host: '127.0.0.1', port: 0 }, ...options });
  const port = Number(new URL(server.address).port);
  const c = client();
  try {
    await c.run('openDatastore', { url: server.address, username: USER, password: PASSWORD });
    await c.run('live', { table: 'message', name: 'survives' });
    const before = await livesOn('message');
    await server.close();
    server = await startHub(ds, { listen: { host: '127.0.0.1', port }, ...options });
    // Back when a query works again (the SDK retries with backoff), then the live query was re-registered.
    await eventually(
      () =>
        c.run('query', { sql: 'RETURN 7' }).then(
          (r) => JSON.stringify(r) === '[7]',
          () => false,
        ),
      'the remote datastore answers again after the restart',
      30_000,
    );
    await eventually(async () => server.connections === 1, 'one connection to the restarted hub');
    await eventually(
      async () => (await livesOn('message')).some((id) => !before.includes(id)),
      'the SDK registered its live query again',
    );
    await ds.db.query('CREATE message:after_restart').collect();
    const events = await c.waitForEvents('survives', 1);
    assert.equal(events[0]?.record, 'message:after_restart');
    assert.equal(await c.run('health'), true);
  } finally {
    await c.stop();
    await server.close();
  }
});

test('MONO_DB_URL with a wrong password fails with what to check', { timeout: 30_000 }, async () => {
  const c = client();
  await assert.rejects(
    c.run('openDatastore', { url: hub.address, username: USER, password: 'nope' }),
    (error: Error) => {
      assert.equal(error.name, 'RemoteDatastoreError');
      assert.match(error.message, /MONO_DB_PASS/);
      assert.ok(!error.message.includes('nope'));
      return true;
    },
  );
});

test('the hub needs the embedded datastore', { timeout: 10_000 }, async () => {
  const remote = { ...ds, engine: undefined, kind: 'remote' as const };
  await assert.rejects(
    startHub(remote, {
      listen: { host: '127.0.0.1', port: 0 },
      credentials: { username: USER, password: new Secret(PASSWORD) },
      log: silentLogger,
    }),
    HubError,
  );
});
