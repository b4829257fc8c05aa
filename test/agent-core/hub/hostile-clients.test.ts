// The db hub from an attacker's side: what a client may do before signing in, what the hub user may do after
// (read and write mono/agent, nothing else), and upgrades and frames built to break it. Every refusal is checked
// against the datastore itself: no namespace, user, schema or row appears that the attacker asked for.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { CborCodec, RecordId, Uuid } from 'surrealdb';
import { Secret } from '../../../agent-core/config/secret.ts';
import type { Datastore } from '../../../agent-core/db/datastore-types.ts';
import { type Hub, startHub } from '../../../agent-core/hub/server.ts';
import { createLogger, silentLogger } from '../../../agent-core/log/logger.ts';
import { startMemoryHub, USER } from './memory-hub.ts';
import { firstResult, RawRpcClient } from './raw-client.ts';

const PASSWORD = 'hub-password-for-hostile-tests';
const SIGNIN = [{ user: USER, pass: PASSWORD, ns: 'mono', db: 'agent' }];
let ds: Datastore;
let hub: Hub;
const clients: RawRpcClient[] = [];

function client(url = hub.address): RawRpcClient {
  const created = new RawRpcClient(url);
  created.opened.catch(() => {});
  clients.push(created);
  return created;
}

async function signedIn(url = hub.address): Promise<RawRpcClient> {
  const c = client(url);
  assert.equal((await c.call('signin', SIGNIN)).error, undefined);
  return c;
}

type Info = { namespaces?: object; users: object; tables?: object; accesses: object };
/** What an attacker would want to change: namespaces, users at every level, tables and accesses of mono/agent. */
async function snapshot(): Promise<string> {
  const [root, db] = await ds.db.query('INFO FOR ROOT; INFO FOR DB').collect<[Info, Info]>();
  return JSON.stringify([root.namespaces, root.users, root.accesses, db.users, db.tables, db.accesses]);
}

/** One raw HTTP exchange on the hub's port: the status line of the answer ('' when the socket just closed). */
function rawUpgrade(request: string): Promise<string> {
  const { port } = new URL(hub.address);
  return new Promise((resolve) => {
    const socket = connect(Number(port), '127.0.0.1', () => socket.write(request));
    let answer = '';
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1');
    });
    socket.on('error', () => {});
    socket.on('close', () => resolve(answer.split('\r\n')[0] ?? ''));
    setTimeout(() => socket.destroy(), 3_000);
  });
}

function upgradeRequest(target: string, extra = ''): string {
  return (
    `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
    `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n` +
    `Sec-WebSocket-Protocol: cbor\r\n${extra}\r\n`
  );
}

before(async () => {
  ({ ds, hub } = await startMemoryHub(PASSWORD));
});

after(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => {})));
  await hub?.close();
  await ds?.close();
});

test('before sign-in: only signin, ping, health and version; signup, authenticate and refresh are refused', {
  timeout: 20_000,
}, async () => {
  const c = client();
  assert.equal((await c.call('ping')).error, undefined);
  assert.equal((await c.call('health')).error, undefined);
  assert.equal(typeof (await c.call('version')).result, 'string');
  for (const [method, params] of [
    ['signup', [{ ns: 'mono', db: 'agent', ac: 'users', user: 'x', pass: 'y' }]],
    ['authenticate', ['eyJhbGciOiJIUzUxMiJ9.e30.c2ln']],
    ['refresh', [{ access: 'a', refresh: 'b' }]],
    ['invalidate', []],
    ['reset', []],
    ['info', []],
    ['select', ['message']],
    ['attach', []],
    ['sessions', []],
    ['graphql', ['{ message { id } }']],
  ] as const) {
    const answer = await c.call(method, [...params], method === 'attach' ? { session: Uuid.v4() } : {});
    // Methods the hub never serves say so; the others say to sign in first.
    const expected = ['signup', 'graphql', 'reset'].includes(method) ? /not served/ : /sign in/i;
    assert.match(answer.error?.message ?? '', expected, method);
  }
  // Root-level and record-access sign-ins are not the hub user's kind.
  for (const auth of [
    { user: USER, pass: PASSWORD },
    { ...SIGNIN[0], ac: 'users' },
    { ...SIGNIN[0], ns: 'main' },
  ]) {
    assert.match((await c.call('signin', [auth])).error?.message ?? '', /namespace mono, database agent/);
  }
  assert.equal((await c.call('signin', SIGNIN)).error, undefined);
  assert.deepEqual(await rows(c, 'SELECT VALUE text FROM message'), ['hi']);
});

/** The first statement's result of a query, or its error message. */
async function rows(c: RawRpcClient, sql: string, vars?: object): Promise<unknown> {
  return firstResult(await c.call('query', vars ? [sql, vars] : [sql]));
}

test('the hub user reads and writes mono/agent, and cannot define users, change schema or reach another database', {
  timeout: 30_000,
}, async () => {
  const c = await signedIn();
  assert.deepEqual(await rows(c, "CREATE message:two SET text = 'written'"), [
    { id: new RecordId('message', 'two'), text: 'written' },
  ]);
  const before = await snapshot();
  for (const sql of [
    "DEFINE USER evil ON ROOT PASSWORD 'p' ROLES OWNER",
    "DEFINE USER evil ON DATABASE PASSWORD 'p' ROLES OWNER",
    'DEFINE ACCESS evil ON DATABASE TYPE RECORD SIGNIN (SELECT * FROM user)',
    // Runs later inside the agent's own (root) session: the way up that an EDITOR role alone leaves open.
    "DEFINE EVENT up ON message THEN { DEFINE USER evil ON ROOT PASSWORD 'p' ROLES OWNER }",
    "DEFINE FIELD up ON message VALUE { DEFINE USER evil ON ROOT PASSWORD 'p' ROLES OWNER; RETURN 1 }",
    'DEFINE TABLE scratch',
    'REMOVE TABLE message',
    'USE NS other DB x; CREATE thing:x',
    'USE DB otherdb; CREATE thing:x',
    'RETURN 1;\r-- looks like a comment\rUSE NS sneaky',
  ]) {
    assert.match(String(await rows(c, sql)), /not run through the MONO db hub/, sql);
  }
  assert.match((await c.call('use', ['other', 'x'])).error?.message ?? '', /mono, database agent only/);
  assert.match((await c.call('use', [null, 'otherdb'])).error?.message ?? '', /mono, database agent only/);
  // Each of these makes the embedded engine panic ("namespace should be set") and abort this very process.
  for (const params of [
    [null, 'agent'],
    [undefined, 'agent'],
  ]) {
    assert.match((await c.call('use', params)).error?.message ?? '', /mono, database agent only/);
  }
  await c.call('invalidate');
  assert.match((await c.call('use', [undefined, 'agent'])).error?.message ?? '', /mono, database agent only/);
  assert.equal((await c.call('signin', SIGNIN)).error, undefined);
  // What the role itself refuses, whatever the hub lets through.
  for (const sql of ['INFO FOR ROOT', 'INFO FOR NS']) {
    assert.match(String(await rows(c, sql)), /Not enough permissions|IAM/i, sql);
  }
  assert.equal(await snapshot(), before, 'no namespace, user, access or table appeared or went');
  assert.deepEqual(await rows(c, 'SELECT VALUE text FROM message ORDER BY text'), ['hi', 'written']);
});

test('the role itself: the hub user cannot define users or access even on the engine, without the hub’s guard', {
  timeout: 20_000,
}, async () => {
  // A session of our own on the engine, signed in as the hub user: what the engine allows that user.
  const session = Uuid.v4();
  const engine = ds.engine!;
  await engine.call({ method: 'attach', session });
  try {
    await engine.call({ method: 'signin', params: SIGNIN, session });
    for (const sql of [
      "DEFINE USER evil ON DATABASE PASSWORD 'p' ROLES OWNER",
      "DEFINE USER evil ON ROOT PASSWORD 'p' ROLES OWNER",
      'DEFINE ACCESS evil ON DATABASE TYPE RECORD SIGNIN (SELECT * FROM user)',
      'REMOVE DATABASE agent',
      'INFO FOR ROOT',
    ]) {
      const [answer] = (await engine.call({ method: 'query', params: [sql], session })) as {
        status: string;
        result: unknown;
      }[];
      assert.equal(answer?.status, 'ERR', sql);
      assert.match(String(answer?.result), /Not enough permissions/, sql);
    }
  } finally {
    await engine.call({ method: 'detach', session });
  }
});

test('upgrades: a web page’s Origin is refused, malformed targets get 4xx, and the hub keeps serving', {
  timeout: 30_000,
}, async () => {
  assert.equal(
    await rawUpgrade(upgradeRequest('/rpc', 'Origin: https://evil.example\r\n')),
    'HTTP/1.1 403 Forbidden',
  );
  assert.equal(await rawUpgrade(upgradeRequest('/rpc', 'Origin: null\r\n')), 'HTTP/1.1 403 Forbidden');
  for (const target of [
    '//',
    '/%',
    '/%zz',
    '/rpc/',
    'http://127.0.0.1/rpc',
    '*',
    `/${'a'.repeat(64 * 1024)}`,
  ]) {
    const status = await rawUpgrade(upgradeRequest(target));
    assert.match(status, /^HTTP\/1\.1 4\d\d /, `${target.slice(0, 30)} → ${status}`);
  }
  assert.match(
    await rawUpgrade('GET /rpc HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n'),
    /^HTTP\/1\.1 400 /,
  );
  assert.match(await rawUpgrade('\u0000\u00ff garbage\r\n\r\n'), /^HTTP\/1\.1 400 /);
  // A client that resets the connection right after asking to upgrade.
  const { port } = new URL(hub.address);
  await new Promise<void>((resolve) => {
    const socket = connect(Number(port), '127.0.0.1', () => {
      socket.write(upgradeRequest('/rpc'));
      socket.resetAndDestroy();
      resolve();
    });
  });
  assert.match(await rawUpgrade(upgradeRequest('/rpc?x=1')), /^HTTP\/1\.1 101 /, 'a query string is fine');
  const c = await signedIn();
  assert.deepEqual(await rows(c, 'RETURN "still here"'), 'still here');
});

test('before sign-in: large frames, many requests, many held requests and failed sign-ins close the connection', {
  timeout: 30_000,
}, async () => {
  const codec = new CborCodec({});
  const big = client();
  await big.send(codec.encode({ id: 1, method: 'ping', params: ['x'.repeat(70 * 1024)] }));
  await big.closed;
  assert.equal(big.closeCode, 1009, 'a 70 KiB frame before sign-in');

  const chatty = client();
  for (let i = 0; i < 40; i++) await chatty.send(codec.encode({ id: i, method: 'ping' }));
  await chatty.closed;
  assert.equal(chatty.closeCode, 1008, 'more than 32 requests before sign-in');

  const held = client();
  const answers = [];
  for (let i = 0; i < 10; i++) answers.push(await held.call('let', [`v${i}`, i]));
  assert.equal(answers.filter((a) => a.error === undefined).length, 8, 'eight held, the rest refused');
  assert.match(answers[9]?.error?.message ?? '', /at most 8/);

  const guesser = client();
  const refusals = [];
  for (let i = 0; i < 3; i++)
    refusals.push(await guesser.call('signin', [{ ...SIGNIN[0], pass: `guess ${i}` }]));
  await guesser.closed;
  // The last refusal is answered before the connection closes, so the client can say why.
  assert.doesNotMatch(refusals[2]?.error?.message ?? 'none', /connection closed|none/);
  assert.equal(guesser.closeCode, 1008, 'three wrong passwords');

  // Guesses sent all at once, without waiting for answers: one password check runs, the others are refused
  // without one, so a connection cannot queue a pile of argon2 hashes; the checked ones still count.
  const pipeliner = client();
  const guesses = await Promise.all(
    Array.from({ length: 5 }, (_, i) => pipeliner.call('signin', [{ ...SIGNIN[0], pass: `pipelined ${i}` }])),
  );
  const waited = guesses.filter((g) => /already running/.test(g.error?.message ?? '')).length;
  assert.equal(waited, 4, `four refused without a check: ${JSON.stringify(guesses)}`);
  assert.ok(
    guesses.every((g) => g.error !== undefined),
    'no guess signed in',
  );
  for (let i = 0; i < 2; i++) await pipeliner.call('signin', [{ ...SIGNIN[0], pass: `then ${i}` }]);
  await pipeliner.closed;
  assert.equal(pipeliner.closeCode, 1008, 'closed after three checked guesses');

  // Many small frames: the byte budget before sign-in closes the socket even when each frame is fine.
  const flood = client();
  await flood.opened;
  for (let i = 0; i < 10; i++) await flood.send(new Uint8Array(60 * 1024));
  await flood.closed;

  const c = await signedIn();
  assert.deepEqual(await rows(c, 'RETURN "still here"'), 'still here');
});

test('after sign-in, large frames work up to the limit; past it the connection closes', {
  timeout: 30_000,
}, async () => {
  const small = await startHub(ds, {
    listen: { host: '127.0.0.1', port: 0 },
    credentials: { username: USER, password: new Secret(PASSWORD) },
    log: silentLogger,
    maxPayloadBytes: 2 * 1024 * 1024,
  });
  try {
    await small.ready;
    const c = await signedIn(small.address);
    const text = 'x'.repeat(1024 * 1024);
    assert.deepEqual(await rows(c, 'RETURN string::len($text)', { text }), text.length);
    await c.send(
      new CborCodec({}).encode({
        id: 9,
        method: 'query',
        params: ['RETURN $t', { t: 'y'.repeat(3 * 1024 * 1024) }],
      }),
    );
    await c.closed;
    assert.equal(c.closeCode, 1009);
  } finally {
    await small.close();
  }
});

test('connections past the cap are refused with 503 until one closes', { timeout: 30_000 }, async () => {
  const capped = await startHub(ds, {
    listen: { host: '127.0.0.1', port: 0 },
    credentials: { username: USER, password: new Secret(PASSWORD) },
    log: silentLogger,
    maxConnections: 3,
  });
  try {
    await capped.ready;
    const open = [client(capped.address), client(capped.address), client(capped.address)];
    await Promise.all(open.map((c) => c.opened));
    const refused = client(capped.address);
    await assert.rejects(refused.opened, /503/);
    await open[0]!.close();
    const later = await signedIn(capped.address);
    assert.deepEqual(await rows(later, 'RETURN 1'), 1);
  } finally {
    await capped.close();
  }
});

test('a value the engine cannot send gets a refusal that says so, numbers past 2^53 pass, nothing is an internal error', {
  timeout: 30_000,
}, async () => {
  const lines: { level: number; msg: string }[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  const logged = await startHub(ds, {
    listen: { host: '127.0.0.1', port: 0 },
    credentials: { username: USER, password: new Secret(PASSWORD) },
    log: createLogger({ level: 'debug', destination }),
  });
  try {
    await logged.ready;
    const c = await signedIn(logged.address);
    // A regex is a value SurrealQL computes but the engine cannot put in CBOR.
    const regex = await c.call('query', ['RETURN /x/']);
    assert.equal(regex.error?.kind, 'Serialization');
    assert.match(regex.error?.message ?? '', /cannot send \(Unsupported value type: Regex\).*<string>/);
    assert.deepEqual(await rows(c, 'RETURN <string> /x/'), '/x/', 'the way out the message gives works');

    // Whole numbers past 2^53 (a JSON id like 12345678901234567890, or 1e300) are floats in JS; the SDK's encoder
    // refused to write them again ("Number too big to be encoded") until patched to write them as floats.
    for (const big of [JSON.parse('12345678901234567890') as number, 1e300, -1e300]) {
      assert.deepEqual(await rows(c, 'RETURN $x', { x: big }), big);
      assert.equal((await c.call('let', ['big', big])).error, undefined);
      assert.deepEqual(await rows(c, 'RETURN $big'), big);
    }
    assert.deepEqual(await rows(c, 'RETURN 1'), 1, 'still signed in, still served');
    assert.deepEqual(
      lines.filter((line) => line.level >= 50).map((line) => line.msg),
      [],
      'nothing logged as an error: the input is the client’s, not a fault of the agent',
    );
  } finally {
    await logged.close();
  }
});
