// Sync with the agent's datastore through its db hub, using the official SurrealDB SDK: sign in, LIVE SELECT the
// tables the app shows, and on every lost connection reconnect with backoff, re-subscribe, and bump the epoch so
// the renderer re-selects what is on screen. Queries made while away fail fast with an "offline" message. While
// connected, a tiny query every second and a half tells an agent that stopped answering (frozen, stuck) from
// one that is merely quiet: the connection stays, the state says "unresponsive" until it answers again.
import { jsonify, StringRecordId, Surreal, Table } from 'surrealdb';
import type { Secret } from '../../agent-core/config/secret.ts';
import { DATABASE, NAMESPACE } from '../../agent-core/contract/tables.ts';
import { errorMessage } from '../../agent-core/util/error-message.ts';
import type { SyncStatus } from '../ipc/contract.ts';
import type { DbChange, SyncedTable } from '../ipc/db-change.ts';
import { UserError } from '../ipc/dispatch.ts';
import { type BackoffOptions, backoffDelay, SYNC_BACKOFF } from './backoff.ts';

export interface HubTarget {
  url: string;
  username: string;
  password: Secret;
}

export interface SyncDeps {
  /** Where the hub is now (local: the supervised agent; VPS: the SSH forward); undefined while there is none. */
  target: () => Promise<HubTarget | undefined>;
  websocketImpl: unknown;
  tables: readonly SyncedTable[];
  onChange: (change: DbChange) => void;
  onStatus: (status: SyncStatus) => void;
  onError?: (error: unknown) => void;
  backoff?: BackoffOptions;
  connectTimeoutMs?: number;
  /** No answer to the liveness query for this long: the agent is not responding (default 5 s). */
  unresponsiveAfterMs?: number;
}

export interface Sync {
  start(): void;
  stop(): Promise<void>;
  status(): SyncStatus;
  /** Retry now instead of waiting out the backoff (e.g. right after the local agent came up). */
  kick(): void;
  /** Resolves true once connected (at once if connected now), false after `timeoutMs`. */
  whenOnline(timeoutMs: number): Promise<boolean>;
  query<T = Record<string, unknown>>(sql: string, vars?: Record<string, unknown>): Promise<T[][]>;
  /** The live SDK connection, for agent-core functions that take one (the one way to decide a pairing). */
  withDb<T>(run: (db: Surreal) => Promise<T>): Promise<T>;
}

export const recordId = (id: string) => new StringRecordId(id);

const PING_EVERY_MS = 1_500;
const QUERY_DEADLINE_MS = 20_000;

export function createSync(deps: SyncDeps): Sync {
  const backoff = deps.backoff ?? SYNC_BACKOFF;
  let db: Surreal | undefined;
  let running = false;
  let connecting = false;
  let timer: NodeJS.Timeout | undefined;
  let pinger: NodeJS.Timeout | undefined;
  let status: SyncStatus = { state: 'connecting', epoch: 0, since: new Date().toISOString(), attempt: 0 };
  const waiters = new Set<() => void>();

  function setStatus(patch: Partial<SyncStatus>): void {
    const stateChanged = patch.state !== undefined && patch.state !== status.state;
    status = { ...status, ...patch, ...(stateChanged && { since: new Date().toISOString() }) };
    if (patch.state === 'online') {
      delete status.error;
      delete status.nextRetryAt;
    }
    deps.onStatus(status);
    if (status.state === 'online') for (const wake of waiters) wake();
  }

  function schedule(error?: unknown): void {
    if (!running || timer) return;
    const attempt = status.attempt + 1;
    const delay = backoffDelay(attempt, backoff);
    setStatus({
      state: status.epoch === 0 && status.state === 'connecting' && attempt < 3 ? 'connecting' : 'offline',
      attempt,
      nextRetryAt: new Date(Date.now() + delay).toISOString(),
      ...(error !== undefined && { error: errorMessage(error) }),
    });
    timer = setTimeout(() => {
      timer = undefined;
      void connect();
    }, delay);
  }

  async function connect(): Promise<void> {
    if (!running || connecting) return;
    connecting = true;
    const next = new Surreal({ websocketImpl: deps.websocketImpl as typeof WebSocket });
    try {
      const target = await deps.target();
      if (!target) throw new Error('The agent is not running.');
      await withTimeout(
        (async () => {
          await next.connect(target.url, { reconnect: false, versionCheck: false });
          // The hub's user is a user of the database mono/agent, not of the whole server.
          await next.signin({
            namespace: NAMESPACE,
            database: DATABASE,
            username: target.username,
            password: target.password.reveal(),
          });
          await next.use({ namespace: NAMESPACE, database: DATABASE });
          for (const table of deps.tables) {
            const live = await next.live(new Table(table));
            live.subscribe((message) => {
              if (message.action === 'KILLED' || db !== next) return;
              // The row is taken as the agent stored it: this is where it gets its table's type.
              deps.onChange({
                table,
                action: message.action,
                id: String(jsonify(message.recordId)),
                row: jsonify(message.value) as unknown,
              } as DbChange);
            });
          }
        })(),
        deps.connectTimeoutMs ?? 5_000,
      );
      if (!running) {
        await next.close().catch(() => {});
        return;
      }
      next.subscribe('disconnected', () => {
        if (db !== next) return;
        db = undefined;
        void next.close().catch(() => {});
        schedule(new Error('Connection to the agent was lost.'));
      });
      db = next;
      setStatus({ state: 'online', epoch: status.epoch + 1, attempt: 0 });
      watchLiveness(next);
    } catch (error) {
      await next.close().catch(() => {});
      deps.onError?.(error);
      schedule(error);
    } finally {
      connecting = false;
    }
  }

  function watchLiveness(connection: Surreal): void {
    clearInterval(pinger);
    const limit = deps.unresponsiveAfterMs ?? 5_000;
    let answeredAt = Date.now();
    let waiting = false;
    pinger = setInterval(() => {
      if (db !== connection) return clearInterval(pinger);
      if (waiting) {
        if (Date.now() - answeredAt > limit && status.state === 'online') {
          setStatus({
            state: 'unresponsive',
            error: `Your agent has not answered for ${Math.round((Date.now() - answeredAt) / 1000)} s.`,
          });
        }
        return;
      }
      waiting = true;
      connection
        .query('RETURN 1')
        .then(() => {
          answeredAt = Date.now();
          if (db === connection && status.state === 'unresponsive') setStatus({ state: 'online' });
        })
        .catch(() => {})
        .finally(() => {
          waiting = false;
        });
    }, PING_EVERY_MS);
    pinger.unref?.();
  }

  function connected(): Surreal {
    if (!db)
      throw new UserError('MONO cannot reach your agent right now. It will reconnect by itself.', 'Offline');
    return db;
  }

  return {
    start() {
      if (running) return;
      running = true;
      void connect();
    },
    async stop() {
      running = false;
      clearInterval(pinger);
      if (timer) clearTimeout(timer);
      timer = undefined;
      const current = db;
      db = undefined;
      await current?.close().catch(() => {});
    },
    status: () => status,
    kick() {
      if (!running || db || connecting) return;
      if (timer) clearTimeout(timer);
      timer = undefined;
      void connect();
    },
    whenOnline(timeoutMs) {
      if (status.state === 'online') return Promise.resolve(true);
      return new Promise((resolve) => {
        let timer: NodeJS.Timeout | undefined;
        const wake = () => {
          clearTimeout(timer);
          waiters.delete(wake);
          resolve(true);
        };
        timer = setTimeout(() => {
          waiters.delete(wake);
          resolve(false);
        }, timeoutMs);
        waiters.add(wake);
      });
    },
    async query<T>(sql: string, vars?: Record<string, unknown>): Promise<T[][]> {
      // A frozen agent keeps the connection open: without a deadline a request would wait as long as it does.
      const results = await withTimeout(connected().query(sql, vars).json(), QUERY_DEADLINE_MS, () => {
        return new UserError(
          'Your agent is not responding. It may be overloaded or stuck; MONO keeps watching.',
          'Unresponsive',
        );
      });
      return results as T[][];
    },
    withDb: (run) => run(connected()),
  };
}

async function withTimeout<T>(
  promise: Promise<T>,
  ms: number,
  failure: () => Error = () => new Error(`No answer from the agent's database within ${ms} ms.`),
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(failure()), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
