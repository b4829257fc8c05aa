// The db hub on a unix socket (the VPS setup): owner-only mode, the SDK connects over it, stale sockets are
// replaced, a live one is not taken over, and close() removes the file.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Secret } from '../../../agent-core/config/secret.ts';
import { openDatastore } from '../../../agent-core/db/datastore.ts';
import type { Datastore } from '../../../agent-core/db/datastore-types.ts';
import { HubError, startHub } from '../../../agent-core/hub/server.ts';
import { silentLogger } from '../../../agent-core/log/logger.ts';
import { ClientProcess } from './client-process.ts';

const credentials = { username: 'mono', password: new Secret('unix-socket-pw') };
let ds: Datastore;
let dir: string;

before(async () => {
  ds = await openDatastore({ url: 'mem://', log: silentLogger });
  await ds.db.query('DEFINE TABLE message SCHEMALESS').collect();
  dir = mkdtempSync(join(tmpdir(), 'mono-hub-'));
});

after(async () => {
  await ds?.close();
  rmSync(dir, { recursive: true, force: true, maxRetries: 10 });
});

test('the SDK signs in, queries and gets live notifications over a 0600 unix socket', {
  timeout: 30_000,
}, async () => {
  const path = join(dir, 'hub.sock');
  const hub = await startHub(ds, { listen: { path }, credentials, log: silentLogger });
  const client = new ClientProcess();
  try {
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.equal(hub.address, `ws+unix://${path}:/rpc`);
    await client.run('connect', { url: hub.address, username: 'mono', password: 'unix-socket-pw' });
    assert.deepEqual(await client.run('query', { sql: 'RETURN 40 + 2' }), [42]);
    await client.run('live', { table: 'message', name: 'unix' });
    await ds.db.query('CREATE message:over_unix').collect();
    const [event] = await client.waitForEvents('unix', 1);
    assert.equal(event?.record, 'message:over_unix');
  } finally {
    await client.stop();
    await hub.close();
  }
  assert.equal(existsSync(path), false, 'close() removes the socket file');
});

test('a stale socket file is replaced; a live one is left to its owner', { timeout: 30_000 }, async () => {
  const path = join(dir, 'stale.sock');
  // A socket file whose server is gone, as after kill -9 of the agent.
  spawnSync(process.execPath, [
    '-e',
    `require('node:net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`,
  ]);
  assert.ok(existsSync(path), 'a dead socket file exists');
  const hub = await startHub(ds, { listen: { path }, credentials, log: silentLogger });
  try {
    await assert.rejects(
      startHub(ds, { listen: { path }, credentials, log: silentLogger }),
      (error: unknown) => {
        assert.ok(error instanceof HubError);
        assert.match(error.message, /another mono-agent/);
        return true;
      },
    );
  } finally {
    await hub.close();
  }
});
