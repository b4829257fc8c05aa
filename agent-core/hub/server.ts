// The db hub: SurrealDB's own WebSocket RPC endpoint (/rpc, subprotocol "cbor") in front of the embedded engine,
// on a unix socket (mode 0600) on a VPS or on 127.0.0.1 in local mode, so the desktop's official SDK can use it.
import { chmodSync, existsSync, lstatSync, mkdirSync, unlinkSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect } from 'node:net';
import { dirname } from 'node:path';
import type { Duplex } from 'node:stream';
import type { WebSocket, WebSocketServer } from 'ws';
import type { Secret } from '../config/secret.ts';
import type { Datastore } from '../db/datastore-types.ts';
import type { Logger } from '../log/logger.ts';
import { HubConnection } from './connection.ts';
import { defineHubUser } from './credentials.ts';
import { gate } from './gate.ts';
import { HUB_LIMITS } from './rules.ts';

export type HubListen = { path: string } | { host: string; port: number };

export interface HubOptions {
  listen: HubListen;
  credentials: { username: string; password: Secret };
  /** Where the hub user's fingerprint is kept (0600), so an unchanged user is not hashed again at every start. */
  fingerprintFile?: string;
  log: Logger;
  /** A connection that has not signed in after this long is closed. Default 10 s. */
  signinTimeoutMs?: number;
  /** Largest request frame accepted once signed in (before, 64 KiB). Default 16 MiB. */
  maxPayloadBytes?: number;
  /** Open connections at most; more are refused with 503. Default 64. */
  maxConnections?: number;
  /**
   * Every this often each client is pinged; one that answered none of the last two pings (and sent nothing) is
   * dropped and its live queries killed: a vanished SSH tunnel must not keep live queries forever. Two, not one:
   * on a busy machine a pong read a moment after the next heartbeat is not a dead client. Default 30 s.
   */
  heartbeatMs?: number;
}

export interface Hub {
  /** ws://host:port/rpc, or ws+unix://<path>:/rpc (the `ws` package's form) for a unix socket. */
  address: string;
  /** Open client connections. */
  readonly connections: number;
  /** Settles once the hub user is defined (requests wait for it); rejects with the reason it could not be. */
  readonly ready: Promise<void>;
  /** Stop accepting, close every connection (killing its live queries, detaching its sessions), remove the socket. */
  close(): Promise<void>;
}

/** The hub cannot run: no embedded datastore, or its address is taken. Says what to do. */
export class HubError extends Error {
  override readonly name = 'HubError';
}

export const HUB_RPC_PATH = '/rpc';

export async function startHub(ds: Datastore, options: HubOptions): Promise<Hub> {
  const engine = ds.engine;
  if (!engine) {
    throw new HubError(
      'the db hub serves the embedded datastore only; with MONO_DB_URL, connect the desktop to that SurrealDB server instead',
    );
  }
  const { log } = options;
  // Hashing the password (argon2) takes tens of milliseconds: do it while the agent goes on starting, and hold
  // every connection's requests until it is done.
  const userDefined = defineHubUser(ds.db, options.credentials, options.fingerprintFile);
  userDefined.catch((error) =>
    log.error({ err: error }, 'the db hub user could not be defined; sign-ins will fail'),
  );

  const connections = new Map<WebSocket, HubConnection>();
  const signinGate = gate(HUB_LIMITS.signinsAtOnce);
  const maxConnections = options.maxConnections ?? HUB_LIMITS.connections;
  /** Heartbeats each client has let pass without a word (a pong or any message resets it). */
  const silentFor = new WeakMap<WebSocket, number>();
  const heard = (ws: WebSocket) => silentFor.set(ws, 0);
  const heartbeat = setInterval(() => {
    for (const ws of connections.keys()) {
      const silent = (silentFor.get(ws) ?? 0) + 1;
      if (silent > HUB_LIMITS.silentHeartbeats) {
        log.debug('db hub client stopped answering; dropping it');
        ws.terminate();
        continue;
      }
      silentFor.set(ws, silent);
      ws.ping();
    }
  }, options.heartbeatMs ?? 30_000);
  heartbeat.unref();
  // `ws` (with https, tls and zlib behind it) is loaded by the first client, not by every start of the agent.
  let wss: Promise<WebSocketServer> | undefined;
  const webSockets = () => {
    wss ??= import('ws').then(({ WebSocketServer }) => {
      const created = new WebSocketServer({
        noServer: true,
        maxPayload: options.maxPayloadBytes ?? HUB_LIMITS.frameAfterSignin,
        // The SDK asks for "cbor"; the hub speaks nothing else.
        handleProtocols: (protocols) => (protocols.has('cbor') ? 'cbor' : false),
      });
      created.on('connection', accept);
      return created;
    });
    return wss;
  };
  const server = createServer({ headersTimeout: 10_000, requestTimeout: 10_000 }, (_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain' });
    res.end(`MONO db hub: connect with SurrealDB's SDK over WebSocket to ${HUB_RPC_PATH}\n`);
  });
  let upgrading = 0;
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Node hands the socket over without an error listener: a reset now must not become an uncaught exception.
    socket.on('error', () => socket.destroy());
    try {
      const refusal = upgradeRefusal(req, connections.size + upgrading, maxConnections);
      if (refusal) {
        socket.end(`HTTP/1.1 ${refusal}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
        return;
      }
      // Counted while `ws` loads (the first connection only); handleUpgrade itself answers at once.
      upgrading += 1;
      webSockets()
        .then(
          (wss) => {
            upgrading -= 1;
            wss.handleUpgrade(req, socket, head, (ws) => accept(ws, socket));
          },
          (error) => {
            upgrading -= 1;
            log.error({ err: error }, 'db hub cannot accept WebSocket connections');
            socket.destroy();
          },
        )
        .catch((error) => {
          log.warn({ err: error }, 'db hub upgrade failed');
          socket.destroy();
        });
    } catch (error) {
      log.warn({ err: error }, 'db hub refused a malformed upgrade');
      socket.destroy();
    }
  });
  const accept = (ws: WebSocket, socket: Duplex) => {
    if (ws.protocol !== 'cbor') {
      ws.close(1002, 'use the cbor subprotocol');
      return;
    }
    // Until it has signed in, a client may send only a little in all, whatever its frames look like.
    let received = 0;
    const budget = (chunk: Buffer) => {
      received += chunk.length;
      if (received > HUB_LIMITS.bytesBeforeSignin) socket.destroy();
    };
    socket.on('data', budget);
    const connection = new HubConnection(ws, engine, log, userDefined, signinGate, () =>
      socket.off('data', budget),
    );
    connections.set(ws, connection);
    heard(ws);
    ws.on('pong', () => heard(ws));
    ws.on('message', () => heard(ws));
    log.debug({ connections: connections.size }, 'db hub connection opened');
    const signinTimer = setTimeout(() => {
      if (!connection.authenticated) ws.close(1008, 'sign in first');
    }, options.signinTimeoutMs ?? 10_000);
    signinTimer.unref();
    ws.on('error', (error) => log.debug({ err: error }, 'db hub connection error'));
    ws.on('close', () => {
      clearTimeout(signinTimer);
      socket.off('data', budget);
      connections.delete(ws);
      connection
        .dispose()
        .catch((error) => log.warn({ err: error }, 'could not clean up a db hub connection'))
        .finally(() => log.debug({ connections: connections.size }, 'db hub connection closed'));
    });
  };

  const address = await listen(server, options.listen);
  // Errors after listening (EMFILE when out of file descriptors, say) are logged, never thrown.
  server.on('error', (error) => log.error({ err: error }, 'db hub server error'));
  log.info({ address }, 'db hub listening');

  let closing: Promise<void> | undefined;
  return {
    address,
    ready: userDefined,
    get connections() {
      return connections.size;
    },
    close() {
      closing ??= (async () => {
        clearInterval(heartbeat);
        const disposing = [...connections.entries()].map(([ws, connection]) => {
          ws.terminate();
          return connection.dispose();
        });
        connections.clear();
        await Promise.allSettled(disposing);
        (await wss?.catch(() => undefined))?.close();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        if ('path' in options.listen) removeSocket(options.listen.path);
        // A hub closed while its user is still being defined (a start that failed elsewhere) lets that finish
        // before the datastore closes under it.
        await userDefined.catch(() => {});
      })();
      return closing;
    },
  };
}

async function listen(server: Server, where: HubListen): Promise<string> {
  if ('path' in where) {
    // sun_path holds 107 bytes on Linux (103 on macOS); a longer path fails with an obscure EINVAL.
    if (Buffer.byteLength(where.path) > 103) {
      throw new HubError(
        `the hub socket path ${where.path} is too long for a unix socket; choose a shorter one`,
      );
    }
    mkdirSync(dirname(where.path), { recursive: true, mode: 0o700 });
    await clearStaleSocket(where.path);
    // Bind with a umask that leaves the socket to its owner (0600) from its first instant; bind is synchronous
    // inside listen(), so the process-wide umask is back before any other code runs.
    const previous = process.umask(0o177);
    try {
      server.listen(where.path);
    } finally {
      process.umask(previous);
    }
    await listening(server);
    chmodSync(where.path, 0o600);
    return `ws+unix://${where.path}:${HUB_RPC_PATH}`;
  }
  server.listen(where.port, where.host);
  await listening(server);
  const bound = server.address();
  const port = typeof bound === 'object' && bound ? bound.port : where.port;
  const host = where.host.includes(':') ? `[${where.host}]` : where.host;
  return `ws://${host}:${port}${HUB_RPC_PATH}`;
}

function listening(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      reject(
        error.code === 'EADDRINUSE'
          ? new HubError(`the db hub address is in use (${error.message}); is another mono-agent running?`)
          : new HubError(`the db hub cannot listen: ${error.message}; check MONO_HUB_LISTEN`),
      );
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
  });
}

/** A socket file left by a killed agent is removed; one that still answers belongs to a running agent. */
async function clearStaleSocket(path: string): Promise<void> {
  if (!existsSync(path)) return;
  if (!lstatSync(path).isSocket()) {
    throw new HubError(`${path} exists and is not a socket; remove it or choose another hub socket path`);
  }
  const alive = await new Promise<boolean>((resolve) => {
    const probe = connect(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
  if (alive)
    throw new HubError(`another process is serving the db hub at ${path}; is another mono-agent running?`);
  unlinkSync(path);
}

function removeSocket(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone.
  }
}

/**
 * Why an upgrade is refused, as an HTTP status line, or undefined to go on. Only the exact path; never from a web
 * page (the SDK in Node sends no Origin, a browser always does, and a page must not reach the hub through
 * 127.0.0.1); never past the connection cap.
 */
export function upgradeRefusal(req: IncomingMessage, open: number, max: number): string | undefined {
  const target = req.url ?? '';
  const query = target.indexOf('?');
  if ((query < 0 ? target : target.slice(0, query)) !== HUB_RPC_PATH) return '404 Not Found';
  if (req.headers.origin !== undefined) return '403 Forbidden';
  if (open >= max) return '503 Service Unavailable';
  return undefined;
}
