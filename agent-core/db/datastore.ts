// Opens the agent's datastore: the embedded SurrealDB engine (surrealkv:// or mem://, shared with the db hub)
// or an external SurrealDB server (ws:// / wss://, MONO_DB_URL), as an official SDK `Surreal` on mono/agent.
// This module stays light on purpose: the engine starts opening on its own threads (~15 ms) while the SDK and
// the rest of the agent load (sdk-datastore.ts), so start-up pays for the two at once rather than in turn.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { AgentConfig } from '../config/config.ts';
import type { Logger } from '../log/logger.ts';
import { errorMessage } from '../util/error-message.ts';
import type { Datastore, OpenDatastoreOptions } from './datastore-types.ts';
import { safeUrl } from './datastore-types.ts';
import {
  DatastoreInUseError,
  DatastoreLockedError,
  DatastoreOpenError,
  DatastoreUrlError,
} from './errors.ts';
import { loadNativeEngine, type RawEngine } from './native-engine.ts';

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
      throw new DatastoreOpenError(url, errorMessage(error), { cause: error });
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
    const message = errorMessage(error);
    if (/is already locked|locked by another process/i.test(message)) {
      throw new DatastoreLockedError(url.slice(url.indexOf('://') + 3));
    }
    throw new DatastoreOpenError(options.url, message.replace(/^Error: /, ''), { cause: error });
  } finally {
    clearTimeout(timer);
  }
}

/** The URL without user:password, for messages and logs. */
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
