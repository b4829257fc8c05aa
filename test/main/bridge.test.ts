// The local bridge: serves the renderer with the CSP, refuses malformed request-targets with 400 (never an
// exception), admits a WebSocket only from the page's own origin and only after it answered the challenge with
// the key (which never travels), answers requests through the contract, and pushes events.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { parseTarget } from '../../src-main/bridge/request-target.ts';
import { type Bridge, startBridge } from '../../src-main/bridge/server.ts';
import { METHOD_NAMES } from '../../src-main/ipc/contract.ts';
import type { Handlers } from '../../src-main/ipc/dispatch.ts';

const KEY = 's3cret-installation-key';
const dir = mkdtempSync(join(tmpdir(), 'mono-bridge-'));
let bridge: Bridge;
const handlers = Object.fromEntries(
  METHOD_NAMES.map((name) => [name, async (input: unknown) => ({ method: name, input })]),
) as unknown as Handlers;

before(async () => {
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>MONO</title>');
  writeFileSync(join(dir, 'assets', 'app.js'), 'console.log(1)');
  bridge = await startBridge({ handlers, rendererDir: dir, key: KEY });
});
after(async () => {
  await bridge.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The MAC a page computes (written out here with node:crypto, independently of the bridge's code). */
function mac(key: string, challenge: string): string {
  return createHmac('sha256', key).update(`mono-bridge-v1:${challenge}`).digest('base64url');
}

/** Opens a socket and answers the challenge; resolves once admitted, rejects with the close code or status. */
function connect(opts: { key?: string; origin?: string; answer?: (challenge: string) => string }) {
  const ws = new WebSocket(`ws://127.0.0.1:${bridge.port}/ipc`, {
    origin: opts.origin ?? `http://127.0.0.1:${bridge.port}`,
  });
  return new Promise<WebSocket>((resolve, reject) => {
    ws.once('error', reject);
    ws.once('close', (code) => reject(new Error(`closed ${code}`)));
    ws.on('message', function first(data) {
      const frame = JSON.parse(String(data));
      if (frame.challenge) {
        const auth = opts.answer ? opts.answer(frame.challenge) : mac(opts.key ?? '', frame.challenge);
        ws.send(JSON.stringify({ auth }));
      } else if (frame.ready) {
        ws.off('message', first);
        resolve(ws);
      }
    });
  });
}

function rawRequest(path: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect(bridge.port, '127.0.0.1', () => {
      const lines = [`GET ${path} HTTP/1.1`, `Host: 127.0.0.1:${bridge.port}`, 'Connection: close'];
      for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
      socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    });
    let text = '';
    socket.on('data', (chunk) => (text += chunk));
    socket.on('end', () => resolve(Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1] ?? 0)));
    socket.on('error', reject);
  });
}

test('parseTarget accepts origin-form paths only and never throws', () => {
  assert.deepEqual(parseTarget('/conversations?x=1'), { pathname: '/conversations' });
  assert.deepEqual(parseTarget('/a%20b'), { pathname: '/a b' });
  for (const bad of [
    '/%',
    '//',
    '/%zz',
    'http://evil.example/x',
    '*',
    '',
    '/\\x',
    '/a%00b',
    `/${'a'.repeat(3000)}`,
  ]) {
    assert.equal(parseTarget(bad), undefined, bad);
  }
});

test('the page is served on loopback with the strict CSP; unknown paths fall back to the app', async () => {
  assert.match(bridge.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  assert.equal(bridge.openUrl, `${bridge.url}#key=${KEY}`);
  const page = await fetch(`${bridge.url}conversations`);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
  assert.match(await page.text(), /<title>MONO/);
  const js = await fetch(`${bridge.url}assets/app.js`);
  assert.match(js.headers.get('content-type') ?? '', /javascript/);
  const traversal = await fetch(`${bridge.url}..%2f..%2fetc%2fpasswd`);
  assert.doesNotMatch(await traversal.text(), /root:/);
});

test('malformed request-targets get 400 on HTTP and on the upgrade path, and the bridge keeps serving', async () => {
  for (const target of ['/%', '//', '/%zz', 'http://evil.example/', '//evil.example/ipc']) {
    assert.equal(await rawRequest(target), 400, `GET ${target}`);
    const upgrade = await rawRequest(target, {
      Upgrade: 'websocket',
      Connection: 'Upgrade',
      'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
      'Sec-WebSocket-Version': '13',
      Origin: `http://127.0.0.1:${bridge.port}`,
    });
    assert.equal(upgrade, 400, `upgrade ${target}`);
  }
  assert.equal((await fetch(bridge.url)).status, 200);
});

test('a request with a foreign Host header is refused (DNS rebinding)', async () => {
  const status = await new Promise<number>((resolve) => {
    request({ host: '127.0.0.1', port: bridge.port, path: '/', headers: { host: 'evil.example' } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).end();
  });
  assert.equal(status, 421);
});

test('no key, a wrong key, a replayed answer or another origin cannot use the IPC socket', async () => {
  await assert.rejects(connect({}), /closed 4401/);
  await assert.rejects(connect({ key: 's3cret-installation-keX' }), /closed 4401/);
  await assert.rejects(connect({ answer: () => mac(KEY, 'a-challenge-from-another-socket') }), /closed 4401/);
  await assert.rejects(connect({ key: KEY, origin: 'http://evil.example' }), /403/);
  // The key in the query string (the old way) admits nothing.
  const legacy = new WebSocket(`ws://127.0.0.1:${bridge.port}/ipc?secret=${KEY}`, {
    origin: `http://127.0.0.1:${bridge.port}`,
  });
  legacy.on('message', () => legacy.send(JSON.stringify({ id: 1, method: 'app.state' })));
  const [code] = await once(legacy, 'close');
  assert.equal(code, 4401);
});

test('the key never travels: the frames carry a fresh challenge and a MAC, never the key', async () => {
  const seen: string[] = [];
  const ws = new WebSocket(`ws://127.0.0.1:${bridge.port}/ipc`, {
    origin: `http://127.0.0.1:${bridge.port}`,
  });
  const challenges: string[] = [];
  await new Promise<void>((resolve) => {
    ws.on('message', (data) => {
      seen.push(String(data));
      const frame = JSON.parse(String(data));
      if (frame.challenge) {
        challenges.push(frame.challenge);
        const auth = JSON.stringify({ auth: mac(KEY, frame.challenge) });
        seen.push(auth);
        ws.send(auth);
      }
      if (frame.ready) resolve();
    });
  });
  ws.close();
  const again = await connect({ key: KEY });
  again.close();
  assert.ok(seen.every((frame) => !frame.includes(KEY)));
  assert.equal(challenges[0]?.length, 43, '32 random bytes');
});

test('a key accepted later admits pages too', async () => {
  await assert.rejects(connect({ key: 'the-installation-key' }), /closed 4401/);
  bridge.acceptKey('the-installation-key');
  (await connect({ key: 'the-installation-key' })).close();
  (await connect({ key: KEY })).close();
});

test('requests go through the contract (validated) and events reach every page', async () => {
  const ws = await connect({ key: KEY });
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

test('a socket that never answers the challenge gets no events', async () => {
  const ws = new WebSocket(`ws://127.0.0.1:${bridge.port}/ipc`, {
    origin: `http://127.0.0.1:${bridge.port}`,
  });
  const frames: string[] = [];
  ws.on('message', (data) => frames.push(String(data)));
  await once(ws, 'open');
  await new Promise((r) => setTimeout(r, 100));
  bridge.broadcast('server.log', { line: 'private' });
  ws.send(JSON.stringify({ id: 1, method: 'app.state' }));
  await once(ws, 'close');
  assert.equal(frames.length, 1, 'only the challenge');
  assert.doesNotMatch(frames.join(''), /private/);
});
