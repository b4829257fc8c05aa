// Opens the agent's datastore: the embedded SurrealDB engine (surrealkv:// or mem://, shared with the db hub)
// or an external SurrealDB server (ws:// / wss://, MONO_DB_URL), as an official SDK `Surreal` on mono/agent.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createRemoteEngines, Surreal, WebSocketEngine } from 'surrealdb';
import { WebSocket } from 'ws';
import type { AgentConfig } from '../config/config.ts';
import type { Secret } from '../config/secret.ts';
import { redact } from '../config/secret.ts';
import { DATABASE, NAMESPACE } from '../contract/tables.ts';
import type { Logger } from '../log/logger.ts';
import { EMBEDDED_PROTOCOL, embeddedEngines } from './embedded-engine.ts';
import {
  DatastoreInUseError,
  DatastoreLockedError,
  DatastoreOpenError,
  DatastoreUrlError,
  RemoteDatastoreError,
} from './errors.ts';
import { loadNativeEngine, type RawEngine, type RawEngineOptions } from './native-engine.ts';
import { SharedEngine } from './shared-engine.ts';

export interface DatastoreCredentials {
  username: string;
  password: Secret;
}

export interface OpenDatastoreOptions {
  /** surrealkv://<dir>, surrealkv+versioned://<dir>, rocksdb://<dir>, mem://, or ws(s)://host[:port] */
  url: string;
  /** Root credentials for a SurrealDB server; the embedded datastore needs none (its own session is root). */
  credentials?: DatastoreCredentials;
  log: Logger;
  /** How long opening may take before failing (the engine can stall on a bad path). Default 30 s. */
  openTimeoutMs?: number;
  /** Options for the embedded engine (timeouts, capabilities). */
  engineOptions?: RawEngineOptions;
}

export interface Datastore {
  /** The agent's own connection (namespace mono, database agent selected). */
  db: Surreal;
  kind: 'embedded' | 'remote';
  /** The URL without credentials, for logs and /healthz. */
  url: string;
  /** The shared embedded engine, for the db hub; absent for a remote datastore. */
  engine?: SharedEngine;
  /** True when a trivial query answers within a second or two. */
  health(): Promise<boolean>;
  /**
   * Close the connection and free the engine. After any `DEFINE INDEX` the embedded engine keeps the process
   * alive and its files locked: callers must exit the process explicitly after close().
   */
  close(): Promise<void>;
}

const EMBEDDED_SCHEMES = new Set(['mem', 'surrealkv', 'surrealkv+versioned', 'rocksdb']);
// ws+unix://<socket path>:/rpc reaches a hub on a unix socket (the `ws` package's form): `mono` on the same host.
const REMOTE_SCHEMES = new Set(['ws', 'wss', 'ws+unix']);
const HEALTH_TIMEOUT_MS = 2_000;
/**
 * Concurrent turns write the same rows (today's usage, the agent status): SurrealDB then aborts one transaction
 * with a conflict, which is safe to run again. The SDK does that for every query with these settings.
 */
const CONFLICT_RETRY = {
  enabled: true,
  attempts: 12,
  retryDelay: 10,
  retryDelayMax: 1000,
  retryDelayMultiplier: 2,
  retryDelayJitter: 0.5,
  // Inside BEGIN … COMMIT the engine reports the conflict as a plain statement error ("Query not executed:
  // Transaction conflict … can be retried"), which the SDK's default predicate does not recognise.
  retryable: (error: unknown) =>
    error instanceof Error && /transaction conflict|can be retried/i.test(error.message),
};

/** Paths opened by this process: SurrealDB cannot reopen one in the same process. */
const openedPaths = new Set<string>();

export async function openDatastore(options: OpenDatastoreOptions): Promise<Datastore> {
  const scheme = options.url.slice(0, Math.max(0, options.url.indexOf('://')));
  if (EMBEDDED_SCHEMES.has(scheme)) return openEmbedded(options, scheme);
  if (REMOTE_SCHEMES.has(scheme)) return openRemote(options);
  throw new DatastoreUrlError(safeUrl(options.url));
}

async function openEmbedded(options: OpenDatastoreOptions, scheme: string): Promise<Datastore> {
  const { url, log } = options;
  const path = scheme === 'mem' ? undefined : url.slice(scheme.length + 3);
  let engineUrl = url;
  if (path !== undefined) {
    if (!path) throw new DatastoreUrlError(url);
    const absolute = resolve(path);
    if (openedPaths.has(absolute)) throw new DatastoreInUseError(absolute);
    try {
      mkdirSync(absolute, { recursive: true, mode: 0o700 });
    } catch (error) {
      throw new DatastoreOpenError(url, (error as Error).message, { cause: error });
    }
    engineUrl = `${scheme}://${absolute}`;
    openedPaths.add(absolute);
  }
  const started = performance.now();
  let raw: RawEngine;
  try {
    raw = await connectRaw(engineUrl, options);
  } catch (error) {
    if (path !== undefined) openedPaths.delete(resolve(path));
    throw error;
  }
  const shared = new SharedEngine(raw, log);
  const db = new Surreal({ engines: embeddedEngines(shared) });
  try {
    await shared.start();
    await db.connect(`${EMBEDDED_PROTOCOL}://local`, {
      namespace: NAMESPACE,
      database: DATABASE,
      reconnect: false,
      retry: CONFLICT_RETRY,
    });
  } catch (error) {
    await shared.close();
    throw new DatastoreOpenError(url, (error as Error).message, { cause: error });
  }
  log.debug({ url, ms: Math.round(performance.now() - started) }, 'embedded datastore open');
  return {
    db,
    kind: 'embedded',
    url,
    engine: shared,
    health: () => healthy(db, () => !shared.closed),
    async close() {
      await db.close().catch(() => {});
      await shared.close();
    },
  };
}

/** Open the engine, failing fast: a locked or bad path must never leave the agent waiting forever. */
async function connectRaw(url: string, options: OpenDatastoreOptions): Promise<RawEngine> {
  const Engine = loadNativeEngine();
  const timeoutMs = options.openTimeoutMs ?? 30_000;
  const connecting = Engine.connect(url, options.engineOptions ?? {});
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new DatastoreOpenError(options.url, `no answer from the engine within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([connecting, timeout]);
  } catch (error) {
    // If it opens after all, let go of it so the files are not held by an engine nobody uses.
    connecting.then((late) => late.free()).catch(() => {});
    if (error instanceof DatastoreOpenError) throw error;
    const message = String((error as Error)?.message ?? error);
    if (/is already locked|locked by another process/i.test(message)) {
      throw new DatastoreLockedError(url.slice(url.indexOf('://') + 3));
    }
    throw new DatastoreOpenError(options.url, message.replace(/^Error: /, ''), { cause: error });
  } finally {
    clearTimeout(timer);
  }
}

async function openRemote(options: OpenDatastoreOptions): Promise<Datastore> {
  const { url, credentials, log } = options;
  const shown = safeUrl(url);
  // Node 20 has no global WebSocket; the SDK takes the `ws` implementation.
  const db = new Surreal({
    engines: { ...createRemoteEngines(), 'ws+unix': (context) => new WebSocketEngine(context) },
    websocketImpl: WebSocket as unknown as typeof globalThis.WebSocket,
  });
  db.subscribe('error', (error) =>
    log.warn({ url: shown, err: redactError(error, credentials) }, 'datastore connection error'),
  );
  db.subscribe('reconnecting', () => log.warn({ url: shown }, 'datastore connection lost, reconnecting'));
  const timeoutMs = options.openTimeoutMs ?? 30_000;
  let timer: NodeJS.Timeout | undefined;
  try {
    const connecting = db.connect(url, {
      namespace: NAMESPACE,
      database: DATABASE,
      // A function, so the SDK signs in again after every reconnect without keeping the password in its state.
      authentication: credentials
        ? () => ({ username: credentials.username, password: credentials.password.reveal() })
        : undefined,
      reconnect: { enabled: true, attempts: -1, retryDelay: 500, retryDelayMax: 10_000 },
      retry: CONFLICT_RETRY,
    });
    await Promise.race([
      connecting,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no connection within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } catch (error) {
    await db.close().catch(() => {});
    const reason = redact(
      String((error as Error)?.message ?? error),
      credentials ? [credentials.password] : [],
    );
    throw new RemoteDatastoreError(shown, reason, { cause: error });
  } finally {
    clearTimeout(timer);
  }
  log.debug({ url: shown }, 'remote datastore connected');
  return {
    db,
    kind: 'remote',
    url: shown,
    health: () => healthy(db, () => db.isConnected),
    async close() {
      await db.close().catch(() => {});
    },
  };
}

async function healthy(db: Surreal, alive: () => boolean): Promise<boolean> {
  if (!alive()) return false;
  let timer: NodeJS.Timeout | undefined;
  try {
    const answer = await Promise.race([
      db.query('RETURN 1').collect<[number]>(),
      new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), HEALTH_TIMEOUT_MS);
      }),
    ]);
    return answer?.[0] === 1;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/** The URL without user:password, for messages and logs. */
function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (!parsed.username && !parsed.password) return url;
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//');
  }
}

function redactError(error: unknown, credentials: DatastoreCredentials | undefined): string {
  return redact(String((error as Error)?.message ?? error), credentials ? [credentials.password] : []);
}

/** The datastore the agent's configuration names: embedded in the data directory, or MONO_DB_URL. */
export function openConfiguredDatastore(
  config: Pick<AgentConfig, 'dataDir' | 'dbUrl' | 'dbCredentials'>,
  log: Logger,
): Promise<Datastore> {
  return openDatastore({
    url: config.dbUrl ?? `surrealkv://${join(config.dataDir, 'db')}`,
    ...(config.dbCredentials ? { credentials: config.dbCredentials } : {}),
    log,
  });
}
