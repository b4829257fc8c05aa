// What opening a datastore takes and gives, shared by the light opener (datastore.ts) and the SDK's side
// (sdk-datastore.ts), which datastore.ts loads lazily: kept apart so neither imports the other.
import type { Surreal } from 'surrealdb';
import type { Secret } from '../config/secret.ts';
import type { Logger } from '../log/logger.ts';
import type { RawEngineOptions } from './native-engine.ts';
import type { SharedEngine } from './shared-engine.ts';

export interface DatastoreCredentials {
  username: string;
  password: Secret;
}

export interface OpenDatastoreOptions {
  /** surrealkv://<dir>, surrealkv+versioned://<dir>, rocksdb://<dir>, mem://, or ws(s)://host[:port] */
  url: string;
  /**
   * A database user of mono/agent on a SurrealDB server or db hub (DEFINE USER … ON DATABASE); the embedded
   * datastore needs none (its own session is root).
   */
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
   * alive and its files locked: callers must exit the process explicitly after close(). `exiting`: the process
   * exits right after, and the system lets go of the files then, so close() does not wait for the engine to.
   */
  close(options?: { exiting?: boolean }): Promise<void>;
}

/** The URL without credentials, for logs and errors. */
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
