// The db hub's rules without a socket or an engine: what each method may do before and after sign-in, what is
// held and refused, which ids must be the connection's own, and what is recorded. The expected table is written
// out here, so a change to the rules shows up as a failing line.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Uuid } from 'surrealdb';
import { decide, HUB_LIMITS, type SessionView } from '../../../agent-core/hub/rules.ts';

const MINE = '0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';
const THEIRS = '0199a1b2-c3d4-7e5f-8a9b-ffffffffffff';

function view(over: Partial<SessionView> = {}): SessionView {
  return {
    signedIn: false,
    connectionSignedIn: false,
    held: 0,
    sessions: 1,
    ownsTransaction: (id) => id === MINE,
    ownsLive: (id) => id === MINE,
    ...over,
  };
}
const anonymous = view();
const signedIn = view({ signedIn: true, connectionSignedIn: true });
const SIGNIN = [{ user: 'mono', pass: 'pw', ns: 'mono', db: 'agent' }];

/** method → [step before sign-in, step after, what is recorded after]; params chosen to pass every check. */
const EXPECTED: Record<string, [string, string, string?, unknown[]?]> = {
  ping: ['answer', 'answer'],
  health: ['answer', 'answer'],
  version: ['forward', 'forward'],
  signin: ['forward', 'forward', 'signed-in', SIGNIN],
  authenticate: ['refuse', 'forward', 'signed-in'],
  refresh: ['refuse', 'forward', 'signed-in'],
  invalidate: ['refuse', 'forward', 'signed-out'],
  reset: ['refuse', 'refuse'],
  use: ['hold', 'forward', undefined, ['mono', 'agent']],
  let: ['hold', 'forward'],
  set: ['hold', 'forward'],
  unset: ['hold', 'forward'],
  info: ['refuse', 'forward'],
  query: ['refuse', 'forward', 'query', ['SELECT * FROM message']],
  live: ['refuse', 'forward', 'live'],
  kill: ['refuse', 'forward', 'live-end', [MINE]],
  select: ['refuse', 'forward'],
  create: ['refuse', 'forward'],
  insert: ['refuse', 'forward'],
  insert_relation: ['refuse', 'forward'],
  update: ['refuse', 'forward'],
  upsert: ['refuse', 'forward'],
  merge: ['refuse', 'forward'],
  patch: ['refuse', 'forward'],
  delete: ['refuse', 'forward'],
  relate: ['refuse', 'forward'],
  run: ['refuse', 'forward'],
  begin: ['refuse', 'forward', 'transaction'],
  commit: ['refuse', 'forward', 'transaction-end', [MINE]],
  cancel: ['refuse', 'forward', 'transaction-end', [MINE]],
  attach: ['refuse', 'local'],
  detach: ['local', 'local'],
  sessions: ['refuse', 'local'],
  signup: ['refuse', 'refuse'],
  graphql: ['refuse', 'refuse'],
  import: ['refuse', 'refuse'],
  export: ['refuse', 'refuse'],
};

test('each method’s step before and after sign-in, and what it records', () => {
  for (const [method, [before, after, records, params]] of Object.entries(EXPECTED)) {
    const first = decide({ method, params }, anonymous);
    const second = decide({ method, params }, signedIn);
    assert.equal(first.step, before, `${method} before sign-in`);
    assert.equal(second.step, after, `${method} after sign-in`);
    if (second.step === 'forward') assert.equal(second.records, records, `${method} records`);
  }
  // Names every object has are not methods of the table.
  for (const method of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
    assert.equal(decide({ method }, signedIn).step, 'refuse', method);
  }
});

test('before sign-in, refusals say to sign in; unknown methods are named, cut short', () => {
  const refused = decide({ method: 'query', params: ['RETURN 1'] }, anonymous);
  assert.ok(refused.step === 'refuse' && /sign in/i.test(refused.error.message));
  const unknown = decide({ method: `graphql${'x'.repeat(100)}` }, signedIn);
  assert.ok(unknown.step === 'refuse');
  assert.match(unknown.error.message, /not served/);
  assert.ok(unknown.error.message.length < 120);
});

test('held requests answer as the engine would, up to a handful per session', () => {
  assert.deepEqual(decide({ method: 'use', params: ['mono', 'agent'] }, anonymous), {
    step: 'hold',
    result: { namespace: 'mono', database: 'agent' },
  });
  assert.deepEqual(decide({ method: 'let', params: ['x', 1] }, anonymous), {
    step: 'hold',
    result: undefined,
  });
  const full = decide({ method: 'let', params: ['x', 1] }, view({ held: HUB_LIMITS.heldPerSession }));
  assert.ok(full.step === 'refuse' && /at most 8/.test(full.error.message));
});

test('only namespace mono, database agent is served', () => {
  assert.equal(decide({ method: 'use', params: ['mono', 'agent'] }, signedIn).step, 'forward');
  // A database without its namespace (null or absent) would make the engine panic: refused like the rest.
  for (const params of [
    ['other', 'agent'],
    ['mono', 'other'],
    [{}, 'agent'],
    ['MONO', 'agent'],
    ['mono', null],
    [null, 'agent'],
    [undefined, 'agent'],
    ['mono'],
    [],
  ]) {
    for (const state of [anonymous, signedIn]) {
      const decision = decide({ method: 'use', params }, state);
      assert.ok(decision.step === 'refuse', JSON.stringify(params));
      assert.match(decision.error.message, /serves namespace mono, database agent only/);
    }
  }
});

test('sign-in is the database user of mono/agent by name and password, nothing else', () => {
  assert.equal(decide({ method: 'signin', params: SIGNIN }, anonymous).step, 'forward');
  for (const auth of [
    { user: 'mono', pass: 'pw' },
    { user: 'mono', pass: 'pw', ns: 'mono' },
    { user: 'mono', pass: 'pw', ns: 'other', db: 'agent' },
    { user: 'mono', pass: 'pw', ns: 'mono', db: 'agent', ac: 'users' },
    { user: 'mono', pass: 1, ns: 'mono', db: 'agent' },
    { ns: 'mono', db: 'agent', key: 'x' },
    'token',
    null,
  ]) {
    const decision = decide({ method: 'signin', params: [auth] }, anonymous);
    assert.ok(decision.step === 'refuse', JSON.stringify(auth));
    assert.match(decision.error.message, /namespace mono, database agent, username and password/);
  }
});

test('transactions, live queries and sessions must be the connection’s own', () => {
  const mine = new Uuid(MINE);
  assert.equal(decide({ method: 'select', params: ['note'], txn: mine }, signedIn).step, 'forward');
  assert.equal(
    decide({ method: 'select', params: ['note'], txn: MINE.toUpperCase() }, signedIn).step,
    'forward',
  );
  for (const txn of [THEIRS, new Uuid(THEIRS), 'nonsense', 42, {}]) {
    const decision = decide({ method: 'select', params: ['note'], txn }, signedIn);
    assert.ok(decision.step === 'refuse' && /Transaction .* not found/.test(decision.error.message));
  }
  assert.equal(decide({ method: 'commit', params: [THEIRS] }, signedIn).step, 'refuse');
  assert.equal(decide({ method: 'cancel', params: [] }, signedIn).step, 'refuse');
  assert.equal(decide({ method: 'kill', params: [mine] }, signedIn).step, 'forward');
  const stolen = decide({ method: 'kill', params: [THEIRS] }, signedIn);
  assert.ok(stolen.step === 'refuse' && /not one of this connection/.test(stolen.error.message));
  const crowded = decide(
    { method: 'attach' },
    view({ ...signedIn, sessions: HUB_LIMITS.sessionsPerConnection }),
  );
  assert.ok(crowded.step === 'refuse' && /at most 16 sessions/.test(crowded.error.message));
  assert.equal(decide({ method: 'attach' }, view({ connectionSignedIn: true })).step, 'local');
});

test('queries: no USE or schema statements; KILL only of the connection’s own live queries', () => {
  for (const sql of [
    'USE NS other',
    "DEFINE USER evil ON ROOT PASSWORD 'p' ROLES OWNER",
    'DEFINE EVENT e ON message THEN { CREATE x }',
    'REMOVE TABLE message',
    'SELECT * FROM message; ALTER TABLE message DROP',
  ]) {
    const decision = decide({ method: 'query', params: [sql] }, signedIn);
    assert.ok(decision.step === 'refuse', sql);
    assert.match(decision.error.message, /not run through the MONO db hub/);
  }
  const own = decide(
    { method: 'query', params: [`KILL u"${MINE}"; KILL $live`, { live: new Uuid(MINE) }] },
    signedIn,
  );
  assert.deepEqual(own, {
    step: 'forward',
    records: 'query',
    kills: [
      { kind: 'id', id: MINE },
      { kind: 'id', id: MINE },
    ],
  });
  for (const [sql, bindings] of [
    [`KILL u"${THEIRS}"`, {}],
    ['KILL $live', { live: THEIRS }],
    ['KILL $live', {}],
    ['KILL (SELECT VALUE id FROM x)', {}],
  ] as const) {
    assert.equal(decide({ method: 'query', params: [sql, bindings] }, signedIn).step, 'refuse', sql);
  }
  assert.equal(decide({ method: 'query', params: [42] }, signedIn).step, 'refuse', 'a query is a text');
});
