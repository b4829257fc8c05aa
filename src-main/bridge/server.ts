// The local bridge: serves the built renderer over HTTP on 127.0.0.1 and the IPC contract over a WebSocket, so
// the same UI runs in any browser where Electron is not installed. A page is admitted only after it answers the
// socket's challenge with the bridge key (see auth.ts: the key is never sent, in a URL or a frame); Host and
// Origin checks keep other sites and DNS rebinding out. Every byte is hostile until then: no request, header or
// frame can throw out of a listener, and every server and socket keeps an error listener for its whole life.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import type { EventName, EventPayloads } from '../ipc/contract.ts';
import { dispatch, type Handlers } from '../ipc/dispatch.ts';
import { newBridgeKey, newChallenge, verifyAuth } from './auth.ts';
import { CLOSE_UNAUTHORIZED } from './protocol.ts';
import { parseTarget } from './request-target.ts';
import { serveStatic } from './static.ts';

/** Limits that keep a hostile client from holding memory: frames, pending sockets, requests in flight. */
const MAX_FRAME = 1024 * 1024;
const MAX_AUTH_FRAME = 512;
const AUTH_TIMEOUT_MS = 10_000;
const MAX_UNAUTHENTICATED = 64;
const MAX_IN_FLIGHT = 64;

export interface BridgeOptions {
  handlers: Handlers;
  rendererDir: string;
  host?: string;
  /** The installation's port (kept so open tabs reconnect after a restart); 0 picks a free one. */
  port?: number;
  /** The key in the address the bridge prints; more keys can be accepted later (`acceptKey`). */
  key?: string;
  onUnexpected?: (method: string, error: unknown) => void;
  /** A listener failed in a way no client should be able to cause (logged; the bridge keeps serving). */
  onError?: (where: string, error: unknown) => void;
}

export interface Bridge {
  url: string;
  /** The URL to open: the key rides in the fragment, which browsers never send to the server. */
  openUrl: string;
  port: number;
  /** Admits pages that hold this key too (the installation's key once the vault is unlocked). */
  acceptKey(key: string): void;
  broadcast<E extends EventName>(event: E, payload: EventPayloads[E]): void;
  clients(): number;
  close(): Promise<void>;
}

export async function startBridge(options: BridgeOptions): Promise<Bridge> {
  const host = options.host ?? '127.0.0.1';
  const primaryKey = options.key ?? newBridgeKey();
  const keys = [primaryKey];
  const report = options.onError ?? (() => {});
  let origin = '';
  let unauthenticated = 0;

  const server = createServer((req, res) => {
    try {
      res.on('error', () => res.destroy());
      const target = parseTarget(req.url);
      if (!target) return deny(res, 400, 'Bad request');
      if (!hostAllowed(req)) return deny(res, 421, 'Misdirected request');
      serveStatic(options.rendererDir, target.pathname, req, res);
    } catch (error) {
      report('http', error);
      if (!res.headersSent) deny(res, 500, 'Internal error');
      else res.destroy();
    }
  });
  // Slow or endless requests are cut off; the renderer's own requests take milliseconds.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 5_000;
  server.maxHeadersCount = 100;
  server.maxConnections = 1024;
  server.on('error', (error) => report('server', error));
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME });
  wss.on('error', (error) => report('websocket server', error));
  wss.on('wsClientError', (_error, socket) => refuse(socket, 400, 'Bad Request'));
  const sockets = new Set<WebSocket>();

  function hostAllowed(req: IncomingMessage): boolean {
    return req.headers.host === new URL(origin).host;
  }

  server.on('upgrade', (req, socket: Duplex, head) => {
    socket.on('error', () => socket.destroy());
    try {
      const target = parseTarget(req.url);
      if (!target) return refuse(socket, 400, 'Bad Request');
      if (!hostAllowed(req) || req.headers.origin !== origin) return refuse(socket, 403, 'Forbidden');
      if (target.pathname !== '/ipc') return refuse(socket, 404, 'Not Found');
      if (unauthenticated >= MAX_UNAUTHENTICATED) return refuse(socket, 503, 'Service Unavailable');
      wss.handleUpgrade(req, socket, head, admit);
    } catch (error) {
      report('upgrade', error);
      socket.destroy();
    }
  });

  /** A fresh socket: challenge it, and admit it to requests and events only once it answered with a key. */
  function admit(ws: WebSocket): void {
    // ws reports protocol violations (bad opcodes, oversized or invalid frames) here and closes the socket.
    ws.on('error', () => {});
    unauthenticated += 1;
    let authed = false;
    let inFlight = 0;
    const challenge = newChallenge();
    const leave = () => {
      if (!authed) unauthenticated -= 1;
      authed = true;
    };
    const timer = setTimeout(() => ws.terminate(), AUTH_TIMEOUT_MS);
    ws.on('close', () => {
      clearTimeout(timer);
      leave();
      sockets.delete(ws);
    });
    ws.send(JSON.stringify({ challenge }));
    ws.on('message', (raw: RawData, isBinary: boolean) => {
      try {
        if (!authed) {
          clearTimeout(timer);
          const answer = !isBinary && byteLength(raw) <= MAX_AUTH_FRAME ? readJson(raw) : undefined;
          if (!verifyAuth(keys, challenge, (answer as { auth?: unknown } | undefined)?.auth)) {
            ws.close(CLOSE_UNAUTHORIZED, 'Not admitted');
            return;
          }
          leave();
          sockets.add(ws);
          ws.send(JSON.stringify({ ready: true }));
          return;
        }
        const message = isBinary ? undefined : readJson(raw);
        if (!message || typeof message !== 'object' || typeof (message as { id?: unknown }).id !== 'number') {
          return;
        }
        const { id, method, input } = message as { id: number; method?: unknown; input?: unknown };
        if (inFlight >= MAX_IN_FLIGHT) {
          reply(ws, id, { ok: false, error: { name: 'Busy', message: 'Too many requests at once.' } });
          return;
        }
        inFlight += 1;
        dispatch(options.handlers, method, input, options.onUnexpected)
          .then((envelope) => reply(ws, id, envelope))
          .catch((error) => report('dispatch', error))
          .finally(() => {
            inFlight -= 1;
          });
      } catch (error) {
        report('message', error);
      }
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  origin = `http://${host}:${port}`;

  return {
    url: `${origin}/`,
    openUrl: `${origin}/#key=${primaryKey}`,
    port,
    acceptKey(key) {
      if (!keys.includes(key)) keys.push(key);
    },
    broadcast(event, payload) {
      const text = JSON.stringify({ event, payload });
      for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(text);
    },
    clients: () => sockets.size,
    async close() {
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function reply(ws: WebSocket, id: number, envelope: unknown): void {
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ id, envelope }));
}

function byteLength(raw: RawData): number {
  if (Array.isArray(raw)) return raw.reduce((n, b) => n + b.length, 0);
  return raw instanceof ArrayBuffer ? raw.byteLength : raw.length;
}

function readJson(raw: RawData): unknown {
  try {
    return JSON.parse(
      Array.isArray(raw) ? Buffer.concat(raw).toString('utf8') : Buffer.from(raw as Buffer).toString('utf8'),
    );
  } catch {
    return undefined;
  }
}

function refuse(socket: Duplex, status: number, text: string): void {
  if (socket.writable)
    socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  else socket.destroy();
}

function deny(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain', connection: 'close' });
  res.end(text);
}
