// Named errors of the datastore layer; each message says what happened and what the user can do about it.

/**
 * A transaction conflict, safe to run again. Inside BEGIN … COMMIT the engine reports it as a plain statement
 * error ("Query not executed: Transaction conflict … can be retried"), which the SDK's own check does not know.
 */
export function isTransactionConflict(error: unknown): boolean {
  return error instanceof Error && /transaction conflict|can be retried/i.test(error.message);
}

/** The data directory is held by another process (SurrealKV's LOCK file). */
export class DatastoreLockedError extends Error {
  override readonly name = 'DatastoreLockedError';
  constructor(readonly path: string) {
    super(
      `another mono-agent (or another process) is already using the datastore in ${path}; ` +
        'stop it, or set MONO_DATA_DIR to another directory',
    );
  }
}

/** The same datastore path was already opened by this process (SurrealDB cannot reopen a path in one process). */
export class DatastoreInUseError extends Error {
  override readonly name = 'DatastoreInUseError';
  constructor(readonly path: string) {
    super(
      `the datastore in ${path} was already opened by this process; open it once per process ` +
        '(share the Datastore) and restart the process to open it again',
    );
  }
}

/** The embedded datastore could not be opened (bad path, permissions, corrupt files, or no answer in time). */
export class DatastoreOpenError extends Error {
  override readonly name = 'DatastoreOpenError';
  constructor(
    readonly url: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(
      `cannot open the datastore ${url}: ${reason}. Check that MONO_DATA_DIR points to a directory the agent's ` +
        'user can write',
      options,
    );
  }
}

/** An external SurrealDB server (MONO_DB_URL) could not be reached or refused the credentials. */
export class RemoteDatastoreError extends Error {
  override readonly name = 'RemoteDatastoreError';
  constructor(
    readonly url: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(
      `cannot use the SurrealDB server at ${url}: ${reason}. Check MONO_DB_URL, MONO_DB_USER and MONO_DB_PASS, ` +
        'and that the server is running and reachable',
      options,
    );
  }
}

/** The datastore URL names no engine MONO can use. */
export class DatastoreUrlError extends Error {
  override readonly name = 'DatastoreUrlError';
  constructor(readonly url: string) {
    super(
      `unsupported datastore URL ${url}: use surrealkv://<dir> or mem:// for the embedded datastore, ` +
        'or ws://host:port / wss://host:port (MONO_DB_URL) for a SurrealDB server',
    );
  }
}

/** A schema migration failed; the datastore is left as it was before that migration. */
export class MigrationError extends Error {
  override readonly name = 'MigrationError';
  constructor(
    readonly migration: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(
      `schema migration ${migration} failed: ${reason}. Fix the migration file or restore the data directory`,
      options,
    );
  }
}
