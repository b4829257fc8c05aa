// The hub's raw path into SurrealDB: fails when @surrealdb/node's hidden SurrealNodeEngine class or its RPC shape change.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CborCodec, Uuid } from 'surrealdb';
import {
  loadNativeEngine,
  nativeAddonFile,
  platformAddonName,
} from '../../../agent-core/db/native-engine.ts';

test('SurrealNodeEngine exists with connect, execute and notifications', { timeout: 20_000 }, async () => {
  const Engine = loadNativeEngine();
  assert.equal(typeof Engine.connect, 'function');
  const engine = await Engine.connect('mem://', {});
  try {
    assert.equal(typeof engine.execute, 'function');
    assert.equal(typeof engine.notifications, 'function');
    const receiver = await engine.notifications();
    assert.equal(typeof receiver.recv, 'function');
  } finally {
    engine.free();
  }
});

test('execute runs a CBOR {id, method, params, session} request and answers with its result or {error}', {
  timeout: 20_000,
}, async () => {
  const codec = new CborCodec({});
  const engine = await loadNativeEngine().connect('mem://', {});
  const call = async (request: Record<string, unknown>) =>
    codec.decode(await engine.execute(codec.encode({ id: 1, ...request }))) as unknown;
  try {
    assert.match(String(await call({ method: 'version' })), /^surrealdb-3\./);
    await call({ method: 'use', params: ['mono', 'agent'] });
    const results = (await call({ method: 'query', params: ['RETURN $x + 1', { x: 41 }] })) as {
      status: string;
      result: unknown;
    }[];
    assert.equal(results[0]?.status, 'OK');
    assert.equal(results[0]?.result, 42);
    const failed = (await call({ method: 'no-such-method' })) as {
      error?: { code: number; message: string };
    };
    assert.equal(typeof failed.error?.code, 'number');
  } finally {
    engine.free();
  }
});

test('surrealdb and @surrealdb/node are pinned to exact versions (the raw path and the SDK patch depend on them)', () => {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  assert.equal(pkg.dependencies['@surrealdb/node'], '3.0.3');
  assert.equal(pkg.dependencies.surrealdb, '2.0.8');
  const installed = (name: string) =>
    (
      JSON.parse(
        readFileSync(new URL(`../../../node_modules/${name}/package.json`, import.meta.url), 'utf8'),
      ) as { version: string }
    ).version;
  assert.equal(installed('@surrealdb/node'), '3.0.3');
  assert.equal(installed('surrealdb'), '2.0.8');
});

test('notifications name their session, which the hub routes by', { timeout: 20_000 }, async () => {
  const codec = new CborCodec({});
  const engine = await loadNativeEngine().connect('mem://', {});
  const call = async (request: Record<string, unknown>) =>
    codec.decode(await engine.execute(codec.encode({ id: 1, ...request }))) as unknown;
  try {
    const receiver = await engine.notifications();
    const session = Uuid.v4();
    await call({ method: 'attach', session });
    await call({ method: 'use', params: ['mono', 'agent'], session });
    await call({ method: 'query', params: ['DEFINE TABLE ping SCHEMALESS'], session });
    const live = await call({ method: 'live', params: ['ping'], session });
    await call({ method: 'query', params: ['CREATE ping:1'], session });
    const bytes = await receiver.recv();
    assert.ok(bytes);
    const notification = codec.decode(bytes) as {
      id: Uuid;
      session: Uuid;
      action: string;
      record: unknown;
      result: unknown;
    };
    assert.equal(String(notification.session), String(session));
    assert.equal(String(notification.id), String(live));
    assert.equal(notification.action, 'CREATE');
    assert.equal(String(notification.record), 'ping:1');
  } finally {
    engine.free();
  }
});

test('nativeAddonFile names the loadable addon, and NAPI_RS_NATIVE_LIBRARY_PATH only when that file exists', (t) => {
  const saved = process.env.NAPI_RS_NATIVE_LIBRARY_PATH;
  t.after(() => {
    if (saved === undefined) delete process.env.NAPI_RS_NATIVE_LIBRARY_PATH;
    else process.env.NAPI_RS_NATIVE_LIBRARY_PATH = saved;
  });
  delete process.env.NAPI_RS_NATIVE_LIBRARY_PATH;
  const found = nativeAddonFile();
  assert.ok(found && existsSync(found), `no addon found (${found})`);
  assert.ok(found.endsWith(`surrealdb-node.${platformAddonName()}.node`), found);
  const binding = createRequire(import.meta.url)(found) as { SurrealNodeEngine?: { connect?: unknown } };
  assert.equal(typeof binding.SurrealNodeEngine?.connect, 'function');

  const dir = mkdtempSync(join(tmpdir(), 'mono-addon-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  process.env.NAPI_RS_NATIVE_LIBRARY_PATH = join(dir, 'missing.node');
  assert.equal(nativeAddonFile(), found);
  const linked = join(dir, 'elsewhere.node');
  symlinkSync(found, linked);
  process.env.NAPI_RS_NATIVE_LIBRARY_PATH = linked;
  assert.equal(nativeAddonFile(), linked);
});
