// The agent's one HTTP server: health, and the routes channels and webhooks register, on plain node:http.
// Not Hono: touching globalThis.Request/Response/Headers makes Node load its undici (~22 ms of start-up, ~12 MB
// idle), and a fetch Request per webhook costs latency. Nothing here constructs a fetch type, at import or per
// request. Handlers live in router.ts and are testable without a listening port; this file only adapts sockets.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../log/logger.ts';
import { inheritedListenFd } from './listen-fd.ts';
import { type Gate, Router } from './router.ts';

export interface Health {
  status: 'ok' | 'degraded';
  /** Why it is degraded, in one line (a refused token, a service out of reach). */
  reason?: string;
  version: string;
  uptime_s: number;
  db: 'ok' | 'error';
  channels: Record<string, string>;
  claude?: string;
  /** Why the status is 'degraded' besides the datastore (e.g. 'disk' while new messages are refused). */
  reasons?: string[];
}

export interface HttpDeps {
  log: Logger;
  health(): Promise<Health>;
  /** Registers extra routes (channel webhooks, /hooks/*). */
  routes?: ((router: Router) => void)[];
  maxBodyBytes?: number;
  /** Asked before every routed request; an answer is sent instead of the route's (see Router.gate). */
  gate?: Gate;
}

/** Bounds on what clients may hold open: slow senders are cut off, and a flood stops at a fixed count. */
export const HTTP_LIMITS = {
  /** The request line and headers must arrive within this. */
  headersTimeoutMs: 10_000,
  /** The whole request (a webhook body of up to 1 MiB) must arrive within this. */
  requestTimeoutMs: 30_000,
  /** An idle keep-alive connection is closed after this. */
  keepAliveTimeoutMs: 5_000,
  /** How often the timeouts above are checked. */
  checkIntervalMs: 1_000,
  /** Request line and headers together, in bytes; past it the client gets 431. */
  maxHeaderBytes: 16 * 1024,
  /** Open connections; more are dropped at once (a burst of 1,000 webhooks still fits). */
  maxConnections: 1024,
  /** On close, how long requests already read may take to be answered before their connections are cut. */
  drainMs: 2_000,
} as const;

export function createHttpApp(deps: HttpDeps): Router {
  const router = new Router(deps.log, deps.maxBodyBytes ?? 1024 * 1024);
  router.get('/healthz', async (request) => {
    const health = await deps.health();
    const status = health.db === 'ok' ? 200 : 503;
    // Version, uptime and channels help an attacker more than anyone on the other side of a proxy.
    return { status, body: request.local ? health : { status: health.status } };
  });
  for (const register of deps.routes ?? []) register(router);
  if (deps.gate) router.gate(deps.gate);
  return router;
}

export interface RunningServer {
  address: { host: string; port: number };
  /**
   * Answers with `router` from the next request on, on the same socket. The start on a full disk hands its server
   * over this way: closing a socket systemd passed would lose it (the next listen on fd 3 fails), and closing a
   * port the agent bound would refuse whatever arrives before it is bound again.
   */
  serve(router: Router): void;
  /** Stops accepting and drains (see below); a second call waits for the same close. */
  close(): Promise<void>;
}

export type HttpLimits = { [K in keyof typeof HTTP_LIMITS]: number };

/** Binds the agent's HTTP server: the one place it listens. `limits` are HTTP_LIMITS unless a test says less. */
export function listen(
  router: Router,
  host: string,
  port: number,
  limits: Partial<HttpLimits> = {},
): Promise<RunningServer> {
  const bounds: HttpLimits = { ...HTTP_LIMITS, ...limits };
  let closing = false;
  // Under systemd socket activation (the VPS unit) the port is already open, passed as fd 3: it stays open
  // while the agent restarts, so a request arriving meanwhile waits instead of being refused.
  const fd = inheritedListenFd();
  // And then each connection serves one request: a kept-alive one that the stopping release closes just as the
  // client sends on it would cut that delivery (the client sees the connection closed); a new connection instead
  // waits in systemd's socket for the next release. Behind the TLS proxy this costs a loopback handshake.
  const oneRequestPerConnection = fd !== undefined;
  let current = router;
  let closed: Promise<void> | undefined;
  return new Promise((resolve, reject) => {
    const server = createServer(
      {
        headersTimeout: bounds.headersTimeoutMs,
        requestTimeout: bounds.requestTimeoutMs,
        keepAliveTimeout: bounds.keepAliveTimeoutMs,
        connectionsCheckingInterval: bounds.checkIntervalMs,
        maxHeaderSize: bounds.maxHeaderBytes,
      },
      (request, response) => {
        current
          .handle(request)
          .then((answer) => {
            // While closing, a request on a kept-alive connection is answered and its connection then closed.
            if (closing || oneRequestPerConnection) response.shouldKeepAlive = false;
            response.writeHead(answer.status, answer.headers).end(answer.body);
          })
          // handle() never rejects; should writing throw, drop the connection rather than leave it hanging.
          .catch(() => response.destroy());
      },
    );
    server.maxConnections = bounds.maxConnections;
    const failed = (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(
              `Port ${port} on ${host} is already in use: stop the other program or set MONO_HTTP_PORT.`,
            )
          : error,
      );
    };
    server.once('error', failed);
    const ready = () => {
      server.off('error', failed);
      // Errors after listening (EMFILE when out of file descriptors, say) are logged, never thrown.
      server.on('error', (error) => current.log.error({ err: error }, 'HTTP server error'));
      resolve({
        address: { host, port: (server.address() as AddressInfo).port },
        serve: (next) => {
          current = next;
        },
        // Stops accepting (under socket activation systemd keeps the port open: new connections wait for the
        // next process) and closes idle keep-alive connections; a request already read is still answered, so a
        // webhook the agent took in is never cut off. Past drainMs the rest are cut: the shutdown has a deadline.
        close: () =>
          (closed ??= new Promise((done) => {
            closing = true;
            const cut = setTimeout(() => server.closeAllConnections(), bounds.drainMs);
            server.close(() => {
              clearTimeout(cut);
              done();
            });
          })),
      });
    };
    if (fd === undefined) server.listen(port, host, ready);
    else server.listen({ fd }, ready);
  });
}
