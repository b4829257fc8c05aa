// One db hub client: speaks SurrealDB's CBOR RPC over its WebSocket and runs every request on the shared engine
// with the connection's own sessions, after its own sign-in; its sessions, transactions and live queries die with it.

import { Uuid } from 'surrealdb';
import type { WebSocket } from 'ws';
import {
  asRpcError,
  type LiveNotification,
  type RpcErrorObject,
  type SharedEngine,
} from '../db/shared-engine.ts';
import type { Logger } from '../log/logger.ts';
import { findKillTargets } from './kill-guard.ts';

/** Methods a session may call before it has signed in: they only set up the session or authenticate it. */
const BEFORE_SIGNIN = new Set([
  'ping',
  'health',
  'version',
  'use',
  'let',
  'set',
  'unset',
  'signin',
  'signup',
  'authenticate',
  'refresh',
  'invalidate',
  'reset',
  'attach',
  'detach',
]);
/** Methods that leave the session authenticated when they succeed. */
const SIGNS_IN = new Set(['signin', 'signup', 'authenticate', 'refresh']);
/** Methods after which the session is anonymous again. */
const SIGNS_OUT = new Set(['invalidate', 'reset']);
/**
 * Session set-up the SDK sends before it signs in. The embedded engine would run it for an anonymous session
 * (which it does not check: `use` even creates namespaces), so the hub keeps it until the session has signed in.
 */
const HELD_UNTIL_SIGNIN = new Set(['use', 'let', 'set', 'unset']);
/** Sessions one connection may hold (attach works before sign-in, because the SDK re-attaches first). */
const MAX_SESSIONS = 64;
/** Bytes waiting to be sent to one client before the hub gives up on it. */
const MAX_BUFFERED_BYTES = 64 * 1024 * 1024;

interface ClientSession {
  /** The client's own id for it (undefined: the connection's default session). */
  client: Uuid | undefined;
  /** The engine session the hub created for it; never shared with anyone. */
  engine: Uuid;
  authenticated: boolean;
  /** `use`/`let`/`unset` asked for before signing in: answered by the hub, run once the session has signed in. */
  pending: { method: string; params: unknown[] | undefined }[];
  unroute: () => void;
}

interface Request {
  id?: unknown;
  method: string;
  params?: unknown[];
  session?: unknown;
  txn?: unknown;
}

/** A refusal by the hub itself, sent to the client as an RPC error. */
class HubRefusal extends Error {
  constructor(readonly rpcError: RpcErrorObject) {
    super(rpcError.message);
  }
}

const notSignedIn = () =>
  new HubRefusal({
    code: -32002,
    kind: 'NotAllowed',
    message: 'Not signed in: sign in to the MONO db hub (signin with the hub user) before anything else',
  });
const notFound = (what: string) =>
  new HubRefusal({ code: -32000, kind: 'NotFound', message: `${what} not found` });
const notAllowed = (message: string) => new HubRefusal({ code: -32002, kind: 'NotAllowed', message });

export class HubConnection {
  readonly #socket: WebSocket;
  readonly #engine: SharedEngine;
  readonly #log: Logger;
  readonly #sessions = new Map<string, ClientSession>();
  /** Engine transaction ids this connection began. */
  readonly #transactions = new Map<string, ClientSession>();
  /** Live query ids this connection started, with the session that owns each. */
  readonly #lives = new Map<string, { session: ClientSession; unroute: () => void }>();
  readonly #ready: Promise<void>;
  #closed = false;
  #nextId = 0;

  /** `userDefined`: settles once the hub user exists; nothing is answered before (sign-in would fail). */
  constructor(socket: WebSocket, engine: SharedEngine, log: Logger, userDefined: Promise<void>) {
    this.#socket = socket;
    this.#engine = engine;
    this.#log = log;
    // The client's default session is an engine session of its own: never the engine's default (the agent's).
    this.#ready = userDefined.then(() => this.#attach(undefined)).then(() => undefined);
    socket.on('message', (data, isBinary) => void this.#onMessage(data as Buffer, isBinary));
  }

  get authenticated(): boolean {
    for (const session of this.#sessions.values()) if (session.authenticated) return true;
    return false;
  }

  /** Cancel this connection's transactions, kill its live queries and detach its sessions. */
  async dispose(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#ready.catch(() => {});
    for (const [txn, session] of this.#transactions) {
      await this.#call({ method: 'cancel', params: [new Uuid(txn)], session: session.engine }).catch(
        () => {},
      );
    }
    this.#transactions.clear();
    // Detaching a session does not stop its live queries: kill each one, from the session that owns it.
    for (const [id, live] of this.#lives) {
      live.unroute();
      await this.#call({ method: 'kill', params: [new Uuid(id)], session: live.session.engine }).catch(
        (error) =>
          this.#log.debug({ err: error, live: id }, 'could not kill a closed connection’s live query'),
      );
    }
    this.#lives.clear();
    for (const session of this.#sessions.values()) {
      session.unroute();
      await this.#call({ method: 'detach', session: session.engine }).catch(() => {});
    }
    this.#sessions.clear();
  }

  async #onMessage(data: Buffer, isBinary: boolean): Promise<void> {
    let request: Request;
    try {
      if (!isBinary) throw new Error('text frame');
      request = this.#engine.codec.decode(
        new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      ) as Request;
      if (!request || typeof request !== 'object' || typeof request.method !== 'string')
        throw new Error('no method');
    } catch {
      this.#send({
        id: null,
        error: { code: -32700, kind: 'Validation', message: 'Parse error: send CBOR RPC requests' },
      });
      return;
    }
    try {
      await this.#ready.catch((error: unknown) => {
        throw new HubRefusal({
          code: -32000,
          kind: 'Internal',
          message: `the MONO db hub is not usable: ${(error as Error).message}; see the agent's log`,
        });
      });
      if (this.#closed) return;
      const result = await this.#handle(request);
      this.#send({ id: request.id, result });
    } catch (error) {
      if (error instanceof HubRefusal) this.#send({ id: request.id, error: error.rpcError });
      else if (error instanceof EngineError) this.#send({ id: request.id, error: error.rpcError });
      else {
        this.#log.error({ err: error, method: request.method }, 'db hub request failed');
        this.#send({
          id: request.id,
          error: { code: -32000, kind: 'Internal', message: 'Internal error in the db hub' },
        });
      }
    }
  }

  async #handle(request: Request): Promise<unknown> {
    const { method } = request;
    if (method === 'ping' || method === 'health') return undefined;
    if (method === 'attach') {
      const client = asUuid(request.session);
      if (!client) throw notAllowed('attach needs a session id');
      if (this.#sessions.has(client.toString())) throw notAllowed('that session is already attached');
      if (this.#sessions.size >= MAX_SESSIONS)
        throw notAllowed(`at most ${MAX_SESSIONS} sessions per connection`);
      await this.#attach(client);
      return undefined;
    }
    const session = this.#session(request.session);
    if (method === 'detach') {
      if (!session.client) throw notAllowed('the default session cannot be detached');
      await this.#detach(session);
      return undefined;
    }
    if (!session.authenticated && !BEFORE_SIGNIN.has(method)) throw notSignedIn();
    if (HELD_UNTIL_SIGNIN.has(method) && !session.authenticated)
      return this.#hold(session, method, request.params);
    if (method === 'sessions') {
      return [...this.#sessions.values()].flatMap((s) => (s.client ? [s.client] : []));
    }
    const txn =
      request.txn === undefined || request.txn === null ? undefined : this.#ownTransaction(request.txn);
    const params = Array.isArray(request.params) ? request.params : undefined;
    if (method === 'commit' || method === 'cancel') this.#ownTransaction(params?.[0]);
    if (method === 'kill') this.#checkKill(String(params?.[0] ?? ''));
    if (method === 'query') this.#checkQueryKills(params);

    let result: unknown;
    try {
      result = await this.#call({ method, params, session: session.engine, txn });
    } catch (error) {
      if (SIGNS_IN.has(method)) {
        session.authenticated = false;
        this.#log.warn({ method }, 'db hub sign-in refused');
      }
      throw error;
    }
    if (SIGNS_IN.has(method)) {
      session.authenticated = true;
      await this.#applyHeld(session);
    }
    if (SIGNS_OUT.has(method)) {
      session.authenticated = false;
      session.pending = [];
    }
    if (method === 'begin') {
      if (this.#closed) await this.#call({ method: 'cancel', params: [result], session: session.engine });
      else this.#transactions.set(String(result), session);
    }
    if (method === 'commit' || method === 'cancel') this.#transactions.delete(String(params?.[0]));
    if (method === 'live') this.#own(String(result), session);
    if (method === 'kill') this.#forget(String(params?.[0]));
    if (method === 'query') this.#trackQueryResults(result, session, params);
    return result;
  }

  /** Answer session set-up now as the engine would, and run it once the session has signed in. */
  #hold(session: ClientSession, method: string, params: unknown[] | undefined): unknown {
    const args = Array.isArray(params) ? params : undefined;
    session.pending.push({ method, params: args });
    if (method !== 'use') return undefined;
    const [namespace, database] = args ?? [];
    return { namespace: namespace ?? undefined, database: database ?? undefined };
  }

  async #applyHeld(session: ClientSession): Promise<void> {
    const held = session.pending;
    session.pending = [];
    for (const { method, params } of held) await this.#call({ method, params, session: session.engine });
  }

  #session(raw: unknown): ClientSession {
    const key = raw === undefined || raw === null ? '' : String(raw);
    const session = this.#sessions.get(key);
    if (!session) throw notFound(`Session ${key}`);
    return session;
  }

  #ownTransaction(raw: unknown): Uuid {
    const id = asUuid(raw);
    if (!id || !this.#transactions.has(id.toString())) throw notFound(`Transaction ${String(raw)}`);
    return id;
  }

  #checkKill(id: string): void {
    if (!this.#lives.has(id.toLowerCase()))
      throw notAllowed(`live query ${id} is not one of this connection's`);
  }

  /** KILL statements may only name this connection's live queries, literally or through a bound parameter. */
  #checkQueryKills(params: unknown[] | undefined): void {
    const sql = typeof params?.[0] === 'string' ? params[0] : '';
    const bindings = (params?.[1] ?? {}) as Record<string, unknown>;
    for (const target of findKillTargets(sql)) {
      if (target.kind === 'id') this.#checkKill(target.id);
      else if (target.kind === 'param') this.#checkKill(String(bindings[target.name] ?? ''));
      else throw notAllowed('KILL through the db hub takes a live query id: KILL u"<id>" or KILL $id');
    }
  }

  #trackQueryResults(result: unknown, session: ClientSession, params: unknown[] | undefined): void {
    if (!Array.isArray(result)) return;
    for (const entry of result as { status?: string; type?: string; result?: unknown }[]) {
      if (entry?.status === 'OK' && entry.type === 'live' && entry.result)
        this.#own(String(entry.result), session);
    }
    const sql = typeof params?.[0] === 'string' ? params[0] : '';
    const bindings = (params?.[1] ?? {}) as Record<string, unknown>;
    for (const target of findKillTargets(sql)) {
      if (target.kind === 'id') this.#forget(target.id);
      if (target.kind === 'param') this.#forget(String(bindings[target.name] ?? ''));
    }
  }

  #own(id: string, session: ClientSession): void {
    if (this.#closed) {
      // Started by a request that was still running when the connection closed: nobody will listen to it.
      this.#call({ method: 'kill', params: [new Uuid(id)], session: session.engine }).catch(() => {});
      return;
    }
    if (this.#lives.has(id)) return;
    // KILLED notifications carry no session: route this live query by its id as well.
    const unroute = this.#engine.routeLive(id, (notification) => this.#notify(notification, session));
    this.#lives.set(id, { session, unroute });
  }

  #forget(id: string): void {
    const key = id.toLowerCase();
    // Keep routing by id until the KILLED notification has passed, then let go.
    const live = this.#lives.get(key);
    if (!live) return;
    this.#lives.delete(key);
    setTimeout(live.unroute, 1_000).unref();
  }

  async #attach(client: Uuid | undefined): Promise<ClientSession> {
    const engine = Uuid.v4();
    await this.#call({ method: 'attach', session: engine });
    if (this.#closed && client) {
      await this.#call({ method: 'detach', session: engine });
      throw notFound('Connection');
    }
    const session: ClientSession = { client, engine, authenticated: false, pending: [], unroute: () => {} };
    session.unroute = this.#engine.routeSession(engine, (notification) =>
      this.#notify(notification, session),
    );
    this.#sessions.set(client?.toString() ?? '', session);
    return session;
  }

  async #detach(session: ClientSession): Promise<void> {
    for (const [id, live] of this.#lives) {
      if (live.session !== session) continue;
      live.unroute();
      this.#lives.delete(id);
      await this.#call({ method: 'kill', params: [new Uuid(id)], session: session.engine }).catch(() => {});
    }
    for (const [txn, owner] of this.#transactions) {
      if (owner === session) this.#transactions.delete(txn);
    }
    session.unroute();
    this.#sessions.delete(session.client?.toString() ?? '');
    await this.#call({ method: 'detach', session: session.engine });
  }

  #notify(notification: LiveNotification, session: ClientSession): void {
    if (this.#closed) return;
    const id = String(notification.id);
    // A live query started in a way the hub did not see (inside a block, say) is still this session's.
    if (notification.action !== 'KILLED' && !this.#lives.has(id)) this.#own(id, session);
    const { session: _engineSession, ...rest } = notification;
    this.#send({ result: session.client ? { ...rest, session: session.client } : rest });
  }

  async #call(request: { method: string; params?: unknown[]; session: Uuid; txn?: Uuid }): Promise<unknown> {
    const frame: Record<string, unknown> = {
      id: `h${++this.#nextId}`,
      method: request.method,
      session: request.session,
    };
    if (request.params !== undefined) frame.params = request.params;
    if (request.txn !== undefined) frame.txn = request.txn;
    const codec = this.#engine.codec;
    const response = codec.decode(await this.#engine.executeRaw(codec.encode(frame)));
    const error = asRpcError(response);
    if (error) throw new EngineError(error);
    return response;
  }

  #send(message: Record<string, unknown>): void {
    if (this.#socket.readyState !== this.#socket.OPEN) return;
    // A client that stops reading would make the agent buffer notifications without bound; it re-selects and
    // re-subscribes when it reconnects, so dropping it loses nothing.
    if (this.#socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      this.#log.warn({ buffered: this.#socket.bufferedAmount }, 'db hub client is not reading; closing it');
      this.#socket.terminate();
      return;
    }
    try {
      this.#socket.send(this.#engine.codec.encode(message));
    } catch (error) {
      this.#log.error({ err: error }, 'could not encode a db hub response');
    }
  }
}

/** The engine refused a request; its error goes back to the client as is. */
class EngineError extends Error {
  constructor(readonly rpcError: RpcErrorObject) {
    super(rpcError.message);
  }
}

function asUuid(value: unknown): Uuid | undefined {
  if (value instanceof Uuid) return value;
  if (typeof value === 'string') {
    try {
      return new Uuid(value);
    } catch {
      return undefined;
    }
  }
  return undefined;
}
