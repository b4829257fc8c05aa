// How the agent's HTTP server closes when the agent stops: a request it has already read (a webhook being stored)
// is answered, not cut off; new connections are no longer accepted; one that never finishes is cut at the bound.
import assert from 'node:assert/strict';
import { Agent, request as httpRequest } from 'node:http';
import { test } from 'node:test';
import { listen } from '../../../agent-core/http/app.ts';
import { Router } from '../../../agent-core/http/router.ts';
import { silentLogger } from '../../../agent-core/log/logger.ts';

type Answer = { status: number; connection: string | undefined; body: string };

function post(port: number, path: string, agent?: Agent): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: '127.0.0.1', port, method: 'POST', path, agent }, (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (chunk) => (body += chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode!, connection: response.headers.connection, body }),
      );
    });
    request.on('error', reject);
    request.end('{}');
  });
}

test('closing answers the requests already read, closes their connections and accepts no new ones', async () => {
  const router = new Router(silentLogger, 1024);
  let entered: () => void = () => {};
  const inside = new Promise<void>((resolve) => (entered = resolve));
  let finish: () => void = () => {};
  router.post('/slow', async (request) => {
    await request.body();
    entered();
    await new Promise<void>((resolve) => (finish = resolve));
    return { status: 200, body: 'stored' };
  });
  const server = await listen(router, '127.0.0.1', 0, { drainMs: 10_000 });
  const port = server.address.port;
  const keepAlive = new Agent({ keepAlive: true });
  try {
    const answer = post(port, '/slow', keepAlive);
    await inside;
    let closed = false;
    const closing = server.close().then(() => (closed = true));
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(closed, false, 'close waits for the request in flight');
    await assert.rejects(post(port, '/slow'), /ECONNREFUSED/, 'no new connection is accepted');
    finish();
    assert.deepEqual(await answer, { status: 200, connection: 'close', body: 'stored' });
    await closing;
  } finally {
    keepAlive.destroy();
  }
});

test('a request that is still not answered when the drain bound is reached is cut, so the stop keeps its deadline', async () => {
  const router = new Router(silentLogger, 1024);
  let entered: () => void = () => {};
  const inside = new Promise<void>((resolve) => (entered = resolve));
  router.post('/never', async () => {
    entered();
    return new Promise(() => {});
  });
  const server = await listen(router, '127.0.0.1', 0, { drainMs: 300 });
  const answer = post(server.address.port, '/never');
  await inside;
  const started = performance.now();
  await server.close();
  const took = performance.now() - started;
  assert.ok(took >= 250 && took < 5_000, `closed after ${Math.round(took)} ms`);
  await assert.rejects(answer, /socket hang up|ECONNRESET/);
});
