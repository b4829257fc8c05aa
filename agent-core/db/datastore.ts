// Opens the agent's datastore: the embedded SurrealDB engine (surrealkv:// or mem://, shared with the db hub)
// or an external SurrealDB server (ws:// / wss://, MONO_DB_URL), as an official SDK `Surreal` on mono/agent.
// This module stays light on purpose: the engine starts opening on its own threads (~15 ms) while the SDK and
// the rest of the agent load (sdk-datastore.ts), so start-up pays for the two at once rather than in turn.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Surreal } from 'surrealdb';
import type { AgentConfig } from '../config/config.ts';
import type { Secret } from '../config/secret.ts';
import type { Logger } from '../log/logger.ts';
import {
  DatastoreInUseError,
  DatastoreLockedError,
  DatastoreOpenError,
  DatastoreUrlError,
} from './errors.ts';
import { loadNativeEngine, type RawEngine, type RawEngineOptions } from './native-engine.ts';
import type { SharedEngine } from './shared-engine.ts';

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

/** Paths opened by this process: SurrealDB cannot reopen one in the same process. */
const openedPaths = new Set<string>();

export async function openDatastore(options: OpenDatastoreOptions): Promise<Datastore> {
  const scheme = options.url.slice(0, Math.max(0, options.url.indexOf('://')));
  if (EMBEDDED_SCHEMES.has(scheme)) return openEmbedded(options, scheme);
  if (REMOTE_SCHEMES.has(scheme)) return (await import('./sdk-datastore.ts')).openRemote(options);
  throw new DatastoreUrlError(safeUrl(options.url));
}

async function openEmbedded(options: OpenDatastoreOptions, scheme: string): Promise<Datastore> {
  const { url } = options;
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
  const connecting = connectRaw(engineUrl, options);
  const sdk = import('./sdk-datastore.ts');
  sdk.catch(() => {}); // awaited below once the engine is open
  let raw: RawEngine;
  try {
    raw = await connecting;
  } catch (error) {
    if (path !== undefined) openedPaths.delete(resolve(path));
    throw error;
  }
  const datastore = await (await sdk).wrapEmbedded(raw, options);
  options.log.debug({ url, ms: Math.round(performance.now() - started) }, 'embedded datastore open');
  return datastore;
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

/** The URL without user:password, for messages and logs. */
export function safeUrl(url: string): string {
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

/** The embedded datastore's directory inside the agent's data directory. */
export const DATASTORE_DIR = 'db';

/** The datastore the agent's configuration names: embedded in the data directory, or MONO_DB_URL. */
export function openConfiguredDatastore(
  config: Pick<AgentConfig, 'dataDir' | 'dbUrl' | 'dbCredentials'>,
  log: Logger,
): Promise<Datastore> {
  return openDatastore({
    url: config.dbUrl ?? `surrealkv://${join(config.dataDir, DATASTORE_DIR)}`,
    ...(config.dbCredentials ? { credentials: config.dbCredentials } : {}),
    log,
  });
}
