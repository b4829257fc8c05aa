// The agent's HTTP router without a socket (routes, params, 404, body limits, 500s, JSON and text), then the
// node:http adapter once on a real port: a chunked upload past the limit and the health check's 503.
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { Readable, Writable } from 'node:stream';
import { test } from 'node:test';
import { createHttpApp, type Health, listen } from '../../../agent-core/http/app.ts';
import { type RawRequest, Router } from '../../../agent-core/http/router.ts';
import { createLogger, silentLogger } from '../../../agent-core/log/logger.ts';

function raw(
  method: string,
  url: string,
  headers: Record<string, string> = {},
  chunks: string[] = [],
): RawRequest {
  return Object.assign(Readable.from(chunks.map((c) => Buffer.from(c))), { method, url, headers });
}

test('routes by method and path; `:param` and query values are decoded; headers in any case', async () => {
  const router = new Router(silentLogger, 1024);
  router.post('/hooks/:name', async (request) => ({
    status: 200,
    body: {
      name: request.params.name,
      query: { ...request.query },
      signature: request.header('X-Signature-256'),
      body: (await request.body()).toString('utf8'),
    },
  }));
  const response = await router.handle(
    raw('POST', '/hooks/my%20hook?x=1&x=2&y=a+b%21', { 'x-signature-256': 'sha256=ab' }, ['{"a"', ':1}']),
  );
  assert.equal(response.status, 200);
  assert.deepEqual(JSON.parse(response.body), {
    name: 'my hook',
    query: { x: '1', y: 'a b!' },
    signature: 'sha256=ab',
    body: '{"a":1}',
  });
});

test('unknown paths, a wrong method, a trailing slash and an empty param answer 404 "not found"', async () => {
  let called = 0;
  const router = new Router(silentLogger, 1024);
  router.post('/hooks/:name', () => ({ status: 200, body: String(++called) }));
  router.get('/healthz', () => ({ status: 200, body: 'ok' }));
  for (const [method, url] of [
    ['GET', '/nothing'],
    ['GET', '/hooks/x'],
    ['POST', '/healthz'],
    ['GET', '/healthz/'],
    ['POST', '/hooks/'],
    ['POST', '/hooks/x/y'],
  ] as const) {
    const response = await router.handle(raw(method, url));
    assert.deepEqual([response.status, response.body], [404, 'not found'], `${method} ${url}`);
  }
  assert.equal(called, 0);
  assert.equal((await router.handle(raw('HEAD', '/healthz'))).status, 200, 'HEAD is answered like GET');
});

test('a content-length over the limit gets 413 and connection: close without a byte read', async () => {
  let reads = 0;
  let called = false;
  const router = new Router(silentLogger, 100);
  router.post('/telegram', () => {
    called = true;
    return { status: 200, body: 'ok' };
  });
  const request = Object.assign(
    new Readable({
      read() {
        reads += 1;
        this.push(null);
      },
    }),
    { method: 'POST', url: '/telegram', headers: { 'content-length': '101' } },
  );
  const response = await router.handle(request);
  assert.equal(response.status, 413);
  assert.equal(response.body, 'request body too large');
  assert.equal(response.headers.connection, 'close');
  assert.equal(called, false);
  assert.equal(reads, 0);
  // Unknown paths too: the limit comes before routing.
  assert.equal((await router.handle(raw('POST', '/elsewhere', { 'content-length': '5000' }))).status, 413);
});

test('a chunked body is counted while it streams: past the limit 413, at the limit it is read whole', async () => {
  const router = new Router(silentLogger, 10);
  router.post('/echo', async (request) => ({ status: 200, body: await request.text() }));
  const chunked = { 'transfer-encoding': 'chunked' };
  const over = await router.handle(raw('POST', '/echo', chunked, ['12345', '67890', 'x']));
  assert.deepEqual([over.status, over.headers.connection], [413, 'close']);
  const exact = await router.handle(raw('POST', '/echo', chunked, ['12345', '67890']));
  assert.deepEqual([exact.status, exact.body, exact.headers.connection], [200, '1234567890', undefined]);
});

test('a handler that swallows the overflow still answers 413', async () => {
  const router = new Router(silentLogger, 4);
  router.post('/sloppy', async (request) => {
    await request.body().catch(() => {});
    return { status: 200, body: 'fine' };
  });
  const response = await router.handle(
    raw('POST', '/sloppy', { 'transfer-encoding': 'chunked' }, ['toolong']),
  );
  assert.equal(response.status, 413);
});

test('a prefix limit applies below the global one, and only under its prefix', async () => {
  const router = new Router(silentLogger, 1000);
  router.limit('/hooks/', 10);
  const echo = async (request: { body(): Promise<Buffer> }) => ({
    status: 200,
    body: String((await request.body()).length),
  });
  router.post('/hooks/:name', echo);
  router.post('/telegram', echo);
  const body = 'x'.repeat(50);
  const chunked = { 'transfer-encoding': 'chunked' };
  assert.equal(
    (await router.handle(raw('POST', '/hooks/a', { 'content-length': '50' }, [body]))).status,
    413,
  );
  assert.equal((await router.handle(raw('POST', '/hooks/a', chunked, [body]))).status, 413);
  const elsewhere = await router.handle(raw('POST', '/telegram', { 'content-length': '50' }, [body]));
  assert.deepEqual([elsewhere.status, elsewhere.body], [200, '50']);
});

test('a throwing handler gets 500 "internal error", and the error is logged with the path', async () => {
  const lines: string[] = [];
  const log = createLogger({
    level: 'error',
    destination: new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    }),
  });
  const router = new Router(log, 1024);
  router.get('/boom', () => {
    throw new Error('disk on fire');
  });
  const response = await router.handle(raw('GET', '/boom'));
  assert.deepEqual([response.status, response.body], [500, 'internal error']);
  assert.equal(lines.length, 1);
  const entry = JSON.parse(lines[0]!);
  assert.equal(entry.msg, 'request failed');
  assert.equal(entry.path, '/boom');
  assert.equal(entry.err.message, 'disk on fire');
});

test('object bodies are JSON, strings are text; content-length counts bytes; extra headers are kept', async () => {
  const router = new Router(silentLogger, 1024);
  router.get('/json', () => ({ status: 201, body: { ok: true, text: 'ça va' } }));
  router.get('/text', () => ({ status: 429, body: 'trop — ça', headers: { 'retry-after': '7' } }));
  const json = await router.handle(raw('GET', '/json'));
  assert.equal(json.status, 201);
  assert.equal(json.headers['content-type'], 'application/json');
  assert.deepEqual(JSON.parse(json.body), { ok: true, text: 'ça va' });
  assert.equal(json.headers['content-length'], String(Buffer.byteLength(json.body)));
  const text = await router.handle(raw('GET', '/text'));
  assert.equal(text.headers['content-type'], 'text/plain; charset=UTF-8');
  assert.equal(text.body, 'trop — ça');
  assert.equal(text.headers['content-length'], '12', '9 characters, 12 bytes');
  assert.equal(text.headers['retry-after'], '7');
});

test('an unread chunked body closes the connection instead of being drained', async () => {
  const router = new Router(silentLogger, 1024);
  router.post('/refuse', () => ({ status: 401, body: 'no' }));
  const chunked = await router.handle(raw('POST', '/refuse', { 'transfer-encoding': 'chunked' }, ['abc']));
  assert.equal(chunked.headers.connection, 'close');
  const sized = await router.handle(raw('POST', '/refuse', { 'content-length': '3' }, ['abc']));
  assert.equal(sized.headers.connection, undefined, 'a known, bounded length keeps the connection');
});

test('over a socket: health 503 when the datastore is down, a chunked upload past the limit 413', async () => {
  const health: Health = { status: 'degraded', version: '0', uptime_s: 1, db: 'error', channels: {} };
  const router = createHttpApp({ log: silentLogger, health: async () => health, maxBodyBytes: 1000 });
  router.post('/upload', async (request) => ({ status: 200, body: String((await request.body()).length) }));
  const server = await listen(router, '127.0.0.1', 0);
  const send = (method: string, path: string, chunks: string[] = []) =>
    new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
      const request = httpRequest(
        { host: '127.0.0.1', port: server.address.port, method, path },
        (response) => {
          let body = '';
          response.setEncoding('utf8').on('data', (chunk) => (body += chunk));
          response.on('end', () =>
            resolve({ status: response.statusCode!, headers: response.headers, body }),
          );
        },
      );
      request.on('error', reject);
      for (const chunk of chunks) request.write(chunk);
      request.end();
    });
  try {
    const healthz = await send('GET', '/healthz');
    assert.equal(healthz.status, 503);
    assert.deepEqual(JSON.parse(healthz.body), health);
    const big = await send('POST', '/upload', ['x'.repeat(600), 'x'.repeat(600)]);
    assert.deepEqual(
      [big.status, big.headers.connection, big.body],
      [413, 'close', 'request body too large'],
    );
    const small = await send('POST', '/upload', ['x'.repeat(600)]);
    assert.deepEqual([small.status, small.body], [200, '600']);
    await assert.rejects(listen(router, '127.0.0.1', server.address.port), /set MONO_HTTP_PORT/);
  } finally {
    await server.close();
  }
});
