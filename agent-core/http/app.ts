// The agent's one HTTP server (Hono): health, and the routes channels and webhooks register.
// Handlers are plain Hono apps, testable with app.request() without a listening port.
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Logger } from '../log/logger.ts';

export interface Health {
  status: 'ok' | 'degraded';
  version: string;
  uptime_s: number;
  db: 'ok' | 'error';
  channels: Record<string, string>;
}

export interface HttpDeps {
  log: Logger;
  health(): Promise<Health>;
  /** Registers extra routes (channel webhooks, /hooks/*). */
  routes?: ((app: Hono) => void)[];
  maxBodyBytes?: number;
}

export function createHttpApp(deps: HttpDeps): Hono {
  const app = new Hono();
  app.use(
    '*',
    bodyLimit({
      maxSize: deps.maxBodyBytes ?? 1024 * 1024,
      // The rest of the upload is not read: close the connection, or the client would reuse a socket we drop.
      onError: (c) => c.text('request body too large', 413, { connection: 'close' }),
    }),
  );
  app.get('/healthz', async (c) => {
    const health = await deps.health();
    return c.json(health, health.db === 'ok' ? 200 : 503);
  });
  for (const register of deps.routes ?? []) register(app);
  app.notFound((c) => c.text('not found', 404));
  app.onError((error, c) => {
    deps.log.error({ err: error, path: c.req.path }, 'request failed');
    return c.text('internal error', 500);
  });
  return app;
}

export interface RunningServer {
  address: { host: string; port: number };
  close(): Promise<void>;
}

export function listen(app: Hono, host: string, port: number): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname: host, port }, (info) => {
      resolve({
        address: { host, port: info.port },
        close: () =>
          new Promise((done) => {
            server.close(() => done());
            // Keep-alive connections would hold close() open past the shutdown deadline.
            (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
          }),
      });
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
  });
}
