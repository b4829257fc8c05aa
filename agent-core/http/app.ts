// The agent's one HTTP server: health, and the routes channels and webhooks register, on plain node:http.
// Not Hono: touching globalThis.Request/Response/Headers makes Node load its undici (~22 ms of start-up, ~12 MB
// idle), and a fetch Request per webhook costs latency. Nothing here constructs a fetch type, at import or per
// request. Handlers live in router.ts and are testable without a listening port; this file only adapts sockets.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../log/logger.ts';
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

export function createHttpApp(deps: HttpDeps): Router {
  const router = new Router(deps.log, deps.maxBodyBytes ?? 1024 * 1024);
  router.get('/healthz', async () => {
    const health = await deps.health();
    return { status: health.db === 'ok' ? 200 : 503, body: health };
  });
  for (const register of deps.routes ?? []) register(router);
  if (deps.gate) router.gate(deps.gate);
  return router;
}

export interface RunningServer {
  address: { host: string; port: number };
  close(): Promise<void>;
}

export function listen(router: Router, host: string, port: number): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const server = createServer((request, response) => {
      router
        .handle(request)
        .then((answer) => response.writeHead(answer.status, answer.headers).end(answer.body))
        // handle() never rejects; should writing throw, drop the connection rather than leave it hanging.
        .catch(() => response.destroy());
    });
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(
              `Port ${port} on ${host} is already in use: stop the other program or set MONO_HTTP_PORT.`,
            )
          : error,
      );
    });
    const ready = () => {
      resolve({
        address: { host, port: (server.address() as AddressInfo).port },
        close: () =>
          new Promise((done) => {
            server.close(() => done());
            // Keep-alive connections would hold close() open past the shutdown deadline.
            server.closeAllConnections();
          }),
      });
    };
    // Under systemd socket activation (the VPS unit) the port is already open, passed as fd 3: it stays open
    // while the agent restarts, so a request arriving meanwhile waits instead of being refused.
    const fd = systemdListenFd();
    if (fd === undefined) server.listen(port, host, ready);
    else server.listen({ fd }, ready);
  });
}

/** The listening socket systemd passed to this process (LISTEN_FDS/LISTEN_PID, sd_listen_fds(3)), if any. */
function systemdListenFd(): number | undefined {
  const mine = process.env.LISTEN_PID === String(process.pid) && process.env.LISTEN_FDS === '1';
  // Not for child processes: they did not get the socket.
  delete process.env.LISTEN_PID;
  delete process.env.LISTEN_FDS;
  delete process.env.LISTEN_FDNAMES;
  return mine ? 3 : undefined;
}
