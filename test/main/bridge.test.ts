// The local bridge: serves the renderer with the CSP, admits a WebSocket only with the per-launch secret from the
// page's own origin, answers requests through the contract, and pushes events.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { type Bridge, startBridge } from '../../src-main/bridge/server.ts';
import { METHOD_NAMES } from '../../src-main/ipc/contract.ts';
import type { Handlers } from '../../src-main/ipc/dispatch.ts';

const dir = mkdtempSync(join(tmpdir(), 'mono-bridge-'));
let bridge: Bridge;
const handlers = Object.fromEntries(
  METHOD_NAMES.map((name) => [name, async (input: unknown) => ({ method: name, input })]),
) as unknown as Handlers;

before(async () => {
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>MONO</title>');
  writeFileSync(join(dir, 'assets', 'app.js'), 'console.log(1)');
  bridge = await startBridge({ handlers, rendererDir: dir, secret: 's3cret-launch-token' });
});
after(async () => {
  await bridge.close();
  rmSync(dir, { recursive: true, force: true });
});

function connect(opts: { secret?: string; origin?: string }): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${bridge.port}/ipc?secret=${opts.secret ?? ''}`, {
    origin: opts.origin ?? `http://127.0.0.1:${bridge.port}`,
  });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

test('the page is served on loopback with the strict CSP; unknown paths fall back to the app', async () => {
  assert.match(bridge.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  assert.equal(bridge.openUrl, `${bridge.url}#secret=s3cret-launch-token`);
  const page = await fetch(`${bridge.url}conversations`);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
  assert.match(await page.text(), /<title>MONO/);
  const js = await fetch(`${bridge.url}assets/app.js`);
  assert.match(js.headers.get('content-type') ?? '', /javascript/);
  const traversal = await fetch(`${bridge.url}..%2f..%2fetc%2fpasswd`);
  assert.doesNotMatch(await traversal.text(), /root:/);
});

test('a request with a foreign Host header is refused (DNS rebinding)', async () => {
  const { request } = await import('node:http');
  const status = await new Promise<number>((resolve) => {
    request({ host: '127.0.0.1', port: bridge.port, path: '/', headers: { host: 'evil.example' } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).end();
  });
  assert.equal(status, 421);
});

test('no secret, a wrong secret or another origin cannot open the IPC socket', async () => {
  await assert.rejects(connect({}), /403/);
  await assert.rejects(connect({ secret: 's3cret-launch-tokeX' }), /403/);
  await assert.rejects(connect({ secret: 's3cret-launch-token', origin: 'http://evil.example' }), /403/);
});

test('requests go through the contract (validated) and events reach every page', async () => {
  const ws = await connect({ secret: 's3cret-launch-token' });
  const replies: unknown[] = [];
  ws.on('message', (data) => replies.push(JSON.parse(String(data))));
  ws.send(JSON.stringify({ id: 1, method: 'usage.list', input: { days: 7 } }));
  ws.send(JSON.stringify({ id: 2, method: 'usage.list', input: { days: 'seven' } }));
  ws.send(JSON.stringify({ id: 3, method: 'shell.exec', input: 'rm -rf /' }));
  while (replies.length < 3) await once(ws, 'message');
  const byId = new Map(replies.map((r) => [(r as { id: number }).id, (r as { envelope: unknown }).envelope]));
  assert.deepEqual(byId.get(1), { ok: true, value: { method: 'usage.list', input: { days: 7 } } });
  assert.equal((byId.get(2) as { error: { name: string } }).error.name, 'ValidationError');
  assert.equal((byId.get(3) as { error: { name: string } }).error.name, 'UnknownMethod');
  assert.equal(bridge.clients(), 1);
  const event = once(ws, 'message');
  bridge.broadcast('server.log', { line: 'hello' });
  assert.deepEqual(JSON.parse(String((await event)[0])), { event: 'server.log', payload: { line: 'hello' } });
  ws.close();
});
