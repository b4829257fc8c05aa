// Sync against a real db hub on an in-memory datastore, with the official SDK: sign in, live changes, the offline
// state while the hub is gone, and after it returns: a new epoch, re-subscribed live queries, nothing missed.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Surreal } from 'surrealdb';
import WebSocket from 'ws';
import { Secret } from '../../agent-core/config/secret.ts';
import { openDatastore } from '../../agent-core/db/datastore.ts';
import type { Datastore } from '../../agent-core/db/datastore-types.ts';
import { type Hub, startHub } from '../../agent-core/hub/server.ts';
import { silentLogger } from '../../agent-core/log/logger.ts';
import type { SyncStatus } from '../../src-main/ipc/contract.ts';
import type { DbChange } from '../../src-main/ipc/db-change.ts';
import { freePort } from '../../src-main/services/free-port.ts';
import { createSync, type Sync } from '../../src-main/services/sync.ts';

/** What the agent defines the hub user with; the desktop's target reads it at each connection, as from its vault. */
let credentials = { username: 'mono_desktop', password: new Secret('hub-test-password') };
let ds: Datastore;
let hub: Hub | undefined;
let port: number;
let sync: Sync;
const changes: DbChange[] = [];
const statuses: SyncStatus[] = [];

async function eventually(check: () => boolean, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`still not true after ${ms} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const startOurHub = async () => {
  hub = await startHub(ds, { listen: { host: '127.0.0.1', port }, credentials, log: silentLogger });
};

before(async () => {
  ds = await openDatastore({ url: 'mem://', log: silentLogger });
  await ds.db
    .query(
      'DEFINE TABLE IF NOT EXISTS conversation SCHEMALESS; DEFINE TABLE IF NOT EXISTS message SCHEMALESS',
    )
    .collect();
  port = await freePort();
  await startOurHub();
  sync = createSync({
    target: async () => (hub ? { url: `ws://127.0.0.1:${port}/rpc`, ...credentials } : undefined),
    websocketImpl: WebSocket,
    tables: ['conversation', 'message'],
    onChange: (change) => changes.push(change),
    onStatus: (status) => statuses.push(status),
    backoff: { initialMs: 50, maxMs: 200, factor: 2, jitter: 0 },
  });
  sync.start();
});

after(async () => {
  await sync?.stop();
  await hub?.close();
  await ds?.close();
});

test('signs in, selects, and receives live changes for the agent’s writes', async () => {
  await eventually(() => sync.status().state === 'online', 'online');
  assert.equal(sync.status().epoch, 1);
  await ds.db.query("CREATE message:a CONTENT { text: 'hello', conversation: 'conversation:x' }").collect();
  await eventually(() => changes.some((c) => c.id === 'message:a' && c.action === 'CREATE'), 'live CREATE');
  const change = changes.find((c) => c.id === 'message:a');
  assert.equal(change?.table, 'message');
  assert.equal(change?.row?.text, 'hello');
  const [rows] = await sync.query<{ id: string; text: string }>('SELECT * FROM message');
  assert.deepEqual(
    rows?.map((r) => [r.id, r.text]),
    [['message:a', 'hello']],
  );
});

test('a wrong password is an offline state with a reason, not a crash', async () => {
  const failing = createSync({
    target: async () => ({
      url: `ws://127.0.0.1:${port}/rpc`,
      username: 'mono_desktop',
      password: new Secret('wrong'),
    }),
    websocketImpl: WebSocket,
    tables: ['message'],
    onChange: () => {},
    onStatus: () => {},
    backoff: { initialMs: 50, maxMs: 100, factor: 2, jitter: 0 },
  });
  failing.start();
  try {
    await eventually(() => failing.status().attempt >= 3, 'retries');
    assert.notEqual(failing.status().state, 'online');
    assert.ok(failing.status().error, 'the reason is kept for the banner');
    await assert.rejects(failing.query('SELECT * FROM message'), /cannot reach your agent/);
  } finally {
    await failing.stop();
  }
});

test('goes offline when the hub goes away, and re-subscribes with a new epoch when it is back', async () => {
  await hub?.close();
  hub = undefined;
  await eventually(() => sync.status().state === 'offline', 'offline');
  await assert.rejects(sync.query('SELECT * FROM message'), /cannot reach your agent/);
  // Written while the desktop was away: the re-select after reconnecting must find it.
  await ds.db.query("CREATE message:b CONTENT { text: 'while you were away' }").collect();
  await startOurHub();
  await eventually(
    () => sync.status().state === 'online' && sync.status().epoch === 2,
    'online again, epoch 2',
  );
  const [rows] = await sync.query<{ id: string }>('SELECT id FROM message ORDER BY id');
  assert.deepEqual(
    rows?.map((r) => r.id),
    ['message:a', 'message:b'],
  );
  const before = changes.length;
  await ds.db.query("UPDATE message:a SET text = 'edited'").collect();
  await eventually(
    () => changes.slice(before).some((c) => c.id === 'message:a' && c.action === 'UPDATE'),
    'live UPDATE after reconnect',
  );
  assert.ok(
    statuses.some((s) => s.state === 'offline' && s.nextRetryAt),
    'the banner can say when it retries',
  );
});

test('after the hub password changes (agent restarted with a new one), the desktop signs in with the new one and the old one is refused', async () => {
  const old = credentials.password;
  await hub?.close();
  hub = undefined;
  await eventually(() => sync.status().state === 'offline', 'offline');
  const epoch = sync.status().epoch;
  credentials = { ...credentials, password: new Secret('hub-test-password-changed') };
  await startOurHub();
  await eventually(
    () => sync.status().state === 'online' && sync.status().epoch === epoch + 1,
    'online again with the new password',
  );
  const before = changes.length;
  await ds.db.query("CREATE message:c CONTENT { text: 'after the change' }").collect();
  await eventually(() => changes.slice(before).some((c) => c.id === 'message:c'), 'live CREATE');
  const stale = new Surreal({ websocketImpl: WebSocket as never });
  try {
    await stale.connect(`ws://127.0.0.1:${port}/rpc`, { reconnect: false, versionCheck: false });
    await assert.rejects(
      stale.signin({
        namespace: 'mono',
        database: 'agent',
        username: credentials.username,
        password: old.reveal(),
      }),
      /auth/i,
    );
  } finally {
    await stale.close().catch(() => {});
  }
});
