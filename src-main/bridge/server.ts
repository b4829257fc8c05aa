// The local bridge: serves the built renderer over HTTP on 127.0.0.1 and the IPC contract over a WebSocket, so
// the same UI runs in any browser where Electron is not installed. A per-launch secret (in the URL fragment,
// never sent in a request line) admits a page; Host and Origin checks keep other sites and rebinding out.
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import { constantTimeEqual } from '../../agent-core/security/constant-time.ts';
import type { EventName, EventPayloads } from '../ipc/contract.ts';
import { dispatch, type Handlers } from '../ipc/dispatch.ts';
import { serveStatic } from './static.ts';

export interface BridgeOptions {
  handlers: Handlers;
  rendererDir: string;
  host?: string;
  port?: number;
  secret?: string;
  onUnexpected?: (channel: string, error: unknown) => void;
}

export interface Bridge {
  url: string;
  /** The URL to open: the secret rides in the fragment, which browsers never send to the server. */
  openUrl: string;
  port: number;
  broadcast<E extends EventName>(event: E, payload: EventPayloads[E]): void;
  clients(): number;
  close(): Promise<void>;
}

export async function startBridge(options: BridgeOptions): Promise<Bridge> {
  const host = options.host ?? '127.0.0.1';
  const secret = options.secret ?? randomBytes(24).toString('base64url');
  let origin = '';
  const server = createServer((req, res) => {
    if (!hostAllowed(req)) return deny(res, 421, 'Misdirected request');
    serveStatic(options.rendererDir, req, res);
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
  const sockets = new Set<WebSocket>();

  function hostAllowed(req: IncomingMessage): boolean {
    return req.headers.host === new URL(origin).host;
  }

  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', origin);
    const secretOk = constantTimeEqual(url.searchParams.get('secret') ?? '', secret);
    if (url.pathname !== '/ipc' || !secretOk || !hostAllowed(req) || req.headers.origin !== origin) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      ws.on('message', async (raw) => {
        let message: { id?: unknown; channel?: unknown; input?: unknown };
        try {
          message = JSON.parse(String(raw));
        } catch {
          return;
        }
        if (typeof message.id !== 'number') return;
        const envelope = await dispatch(
          options.handlers,
          message.channel,
          message.input,
          options.onUnexpected,
        );
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ id: message.id, envelope }));
      });
    });
  });

  server.listen(options.port ?? 0, host);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  origin = `http://${host}:${port}`;

  return {
    url: `${origin}/`,
    openUrl: `${origin}/#secret=${secret}`,
    port,
    broadcast(event, payload) {
      const text = JSON.stringify({ event, payload });
      for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(text);
    },
    clients: () => sockets.size,
    async close() {
      for (const ws of sockets) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function deny(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain' });
  res.end(text);
}
