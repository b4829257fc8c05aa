// The official SDK's side of the datastore: a `Surreal` on the shared embedded engine, or on an external
// SurrealDB server over WebSocket. Loaded by datastore.ts while the embedded engine opens.
import { createRemoteEngines, Surreal, WebSocketEngine } from 'surrealdb';
import { redact } from '../config/secret.ts';
import { DATABASE, NAMESPACE } from '../contract/tables.ts';
import { errorMessage } from '../util/error-message.ts';
import {
  type Datastore,
  type DatastoreCredentials,
  type OpenDatastoreOptions,
  safeUrl,
} from './datastore-types.ts';
import { EMBEDDED_PROTOCOL, embeddedEngines } from './embedded-engine.ts';
import { DatastoreOpenError, isTransactionConflict, RemoteDatastoreError } from './errors.ts';
import type { RawEngine } from './native-engine.ts';
import { SharedEngine } from './shared-engine.ts';

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
  retryable: isTransactionConflict,
};

/** The agent's own SDK connection to an embedded engine that is open, sharing it with the db hub. */
export async function wrapEmbedded(raw: RawEngine, options: OpenDatastoreOptions): Promise<Datastore> {
  const { url, log } = options;
  const shared = new SharedEngine(raw, log);
  const db = new Surreal({ engines: embeddedEngines(shared) });
  try {
    await shared.start();
    await db.connect(`${EMBEDDED_PROTOCOL}://local`, {
      namespace: NAMESPACE,
      database: DATABASE,
      reconnect: false,
      retry: CONFLICT_RETRY,
      // The engine is the pinned addon shipped beside the bundle. The SDK's check compares versions with
      // localeCompare, which loads ICU's collation data: ~10 ms and several MB of every start, for nothing.
      versionCheck: false,
    });
  } catch (error) {
    await shared.close();
    throw new DatastoreOpenError(url, errorMessage(error), { cause: error });
  }
  return {
    db,
    kind: 'embedded',
    url,
    engine: shared,
    health: () => healthy(db, () => !shared.closed),
    async close(options) {
      await db.close().catch(() => {});
      await shared.close(options?.exiting ? 0 : undefined);
    },
  };
}

export async function openRemote(options: OpenDatastoreOptions): Promise<Datastore> {
  const { url, credentials, log } = options;
  const shown = safeUrl(url);
  // Node 20 has no global WebSocket; the SDK takes the `ws` implementation (loaded only for a remote datastore).
  const { WebSocket } = await import('ws');
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
      // A database user of mono/agent, never root: all the agent needs, and all a db hub admits.
      authentication: credentials
        ? () => ({
            namespace: NAMESPACE,
            database: DATABASE,
            username: credentials.username,
            password: credentials.password.reveal(),
          })
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
    throw new RemoteDatastoreError(shown, redactError(error, credentials), { cause: error });
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

function redactError(error: unknown, credentials: DatastoreCredentials | undefined): string {
  return redact(errorMessage(error), credentials ? [credentials.password] : []);
}
