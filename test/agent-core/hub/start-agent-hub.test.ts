// startAgentHub: the agent's defaults (socket in the data dir, generated credentials) and its TCP mode.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../../agent-core/config/config.ts';
import { openDatastore } from '../../../agent-core/db/datastore.ts';
import { startAgentHub } from '../../../agent-core/hub/start-agent-hub.ts';
import { silentLogger } from '../../../agent-core/log/logger.ts';
import { makeTempDir, removeTempDir } from '../db/temp-dir.ts';
import { ClientProcess } from './client-process.ts';

test('by default the hub listens on <data dir>/hub.sock with generated credentials', {
  timeout: 30_000,
}, async () => {
  const dataDir = makeTempDir('mono-agent-hub-');
  const ds = await openDatastore({ url: 'mem://', log: silentLogger });
  const hub = await startAgentHub(ds, { dataDir, log: silentLogger });
  const client = new ClientProcess();
  try {
    assert.ok(hub);
    assert.ok(existsSync(join(dataDir, 'hub.sock')));
    const { username, password } = JSON.parse(readFileSync(join(dataDir, 'hub-credentials.json'), 'utf8'));
    await client.run('connect', { url: hub.address, username, password });
    assert.deepEqual(await client.run('query', { sql: 'RETURN "hub"' }), ['hub']);
  } finally {
    await client.stop();
    await hub?.close();
    await ds.close();
    await removeTempDir(dataDir);
  }
});

test('MONO_HUB_LISTEN and MONO_DB_USER/MONO_DB_PASS give a TCP hub with those credentials', {
  timeout: 30_000,
}, async () => {
  const dataDir = makeTempDir('mono-agent-hub-');
  const ds = await openDatastore({ url: 'mem://', log: silentLogger });
  const { dbCredentials } = loadConfig({
    MONO_DATA_DIR: dataDir,
    MONO_DB_USER: 'mono_desktop',
    MONO_DB_PASS: 'from the vault',
  });
  const hub = await startAgentHub(ds, {
    dataDir,
    tcp: { host: '127.0.0.1', port: 0 },
    credentials: dbCredentials,
    log: silentLogger,
  });
  const client = new ClientProcess();
  try {
    assert.match(hub?.address ?? '', /^ws:\/\/127\.0\.0\.1:\d+\/rpc$/);
    assert.ok(
      !existsSync(join(dataDir, 'hub-credentials.json')),
      'nothing generated when the environment has them',
    );
    await client.run('connect', { url: hub?.address, username: 'mono_desktop', password: 'from the vault' });
    assert.deepEqual(await client.run('query', { sql: 'RETURN 1' }), [1]);
  } finally {
    await client.stop();
    await hub?.close();
    await ds.close();
    await removeTempDir(dataDir);
  }
});

test('with an external SurrealDB there is no hub', { timeout: 10_000 }, async () => {
  const ds = await openDatastore({ url: 'mem://', log: silentLogger });
  try {
    const remote = { ...ds, kind: 'remote' as const, engine: undefined };
    assert.equal(await startAgentHub(remote, { dataDir: '/nonexistent', log: silentLogger }), undefined);
  } finally {
    await ds.close();
  }
});
