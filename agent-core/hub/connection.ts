// One db hub client: decodes its CBOR RPC frames, asks the hub's rules (rules.ts) what each may do, and carries
// it out on the shared engine in engine sessions of the connection's own; its sessions, transactions and live
// queries die with it. What is allowed lives in rules.ts; this file is the socket and engine plumbing.

import { Uuid } from 'surrealdb';
import type { WebSocket } from 'ws';
import {
  asRpcError,
  type LiveNotification,
  type RpcErrorObject,
  type SharedEngine,
} from '../db/shared-engine.ts';
import type { Logger } from '../log/logger.ts';
import { errorMessage } from '../util/error-message.ts';
import type { Gate } from './gate.ts';
import { decide, HUB_LIMITS, type HubRequest, idOf, notAllowed, notFound, type Recorded } from './rules.ts';
import { SessionOrder } from './session-order.ts';

interface ClientSession {
  /** The client's own id for it (undefined: the connection's default session). */
  client: Uuid | undefined;
  /** The engine session the hub created for it; never shared with anyone. */
  engine: Uuid;
  authenticated: boolean;
  /** Session set-up asked for before signing in: answered by the hub, run once the session has signed in. */
  pending: { method: string; params: unknown[] | undefined }[];
  unroute: () => void;
  /** When each of its requests may run (see session-order.ts). */
  order: SessionOrder;
}

interface Request extends HubRequest {
  id?: string | number;
  session?: unknown;
}

/** A refusal by the hub itself or by the engine, sent to the client as an RPC error. */
class RpcRefusal extends Error {
  constructor(readonly rpcError: RpcErrorObject) {
    super(rpcError.message);
  }
}

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
  #requestsBeforeSignin = 0;
  #failedSignins = 0;
  #signingIn = false;
  /** Frames of this connection being handled (see HUB_LIMITS.requestsInFlight). */
  #inFlight = 0;

  /**
   * `userDefined`: settles once the hub user exists; nothing is answered before (sign-in would fail).
   * `signinGate`: runs a password check when it is this connection's turn (shared by all connections).
   * `onSignedIn`: called once, when a session of this connection first signs in.
   */
  constructor(
    socket: WebSocket,
    engine: SharedEngine,
    log: Logger,
    userDefined: Promise<void>,
    private readonly signinGate: Gate = (run) => run(),
    private readonly onSignedIn: () => void = () => {},
  ) {
    this.#socket = socket;
    this.#engine = engine;
    this.#log = log;
    // The client's default session is an engine session of its own: never the engine's default (the agent's).
    this.#ready = userDefined.then(() => this.#attach(undefined)).then(() => undefined);
    this.#ready.catch(() => {}); // answered per request in #onMessage
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
      await this.#call({ method: 'cancel', params: [new Uuid(txn)], session }).catch(() => {});
    }
    this.#transactions.clear();
    // Detaching a session does not stop its live queries: kill each one, from the session that owns it.
    for (const [id, live] of this.#lives) {
      live.unroute();
      await this.#call({ method: 'kill', params: [new Uuid(id)], session: live.session }).catch((error) =>
        this.#log.debug({ err: error, live: id }, 'could not kill a closed connection’s live query'),
      );
    }
    this.#lives.clear();
    for (const session of this.#sessions.values()) {
      session.unroute();
      await this.#call({ method: 'detach', session }).catch(() => {});
    }
    this.#sessions.clear();
  }

  async #onMessage(data: Buffer, isBinary: boolean): Promise<void> {
    // Frames already read when the socket pauses still arrive: the bound is the limit plus at most one read's worth.
    if (++this.#inFlight === HUB_LIMITS.requestsInFlight) this.#socket.pause();
    try {
      await this.#handleFrame(data, isBinary);
    } finally {
      if (this.#inFlight-- === HUB_LIMITS.requestsInFlight) this.#socket.resume();
    }
  }

  async #handleFrame(data: Buffer, isBinary: boolean): Promise<void> {
    if (!this.authenticated) {
      if (data.byteLength > HUB_LIMITS.frameBeforeSignin) {
        this.#socket.close(1009, 'frame too large before sign-in');
        return;
      }
      if (++this.#requestsBeforeSignin > HUB_LIMITS.requestsBeforeSignin) {
        this.#socket.close(1008, 'too many requests before sign-in');
        return;
      }
    }
    const request = this.#decode(data, isBinary);
    if (!request) {
      this.#send({
        id: null,
        error: { code: -32700, kind: 'Validation', message: 'Parse error: send CBOR RPC requests' },
      });
      return;
    }
    try {
      await this.#ready.catch((error: unknown) => {
        throw new RpcRefusal({
          code: -32000,
          kind: 'Internal',
          message: `the MONO db hub is not usable: ${errorMessage(error)}; see the agent's log`,
        });
      });
      if (this.#closed) return;
      this.#send({ id: request.id, result: await this.#handle(request) });
    } catch (error) {
      if (error instanceof RpcRefusal) this.#send({ id: request.id, error: error.rpcError });
      else {
        this.#log.error({ err: error, method: request.method }, 'db hub request failed');
        this.#send({
          id: request.id,
          error: { code: -32000, kind: 'Internal', message: 'Internal error in the db hub' },
        });
      }
      // Closed after the refusal went out, so the client reads why.
      if (this.#failedSignins >= HUB_LIMITS.failedSignins)
        this.#socket.close(1008, 'too many failed sign-ins');
    }
  }

  /** The request a frame holds, or undefined when it is not one (text, bad CBOR, no method, odd id or params). */
  #decode(data: Buffer, isBinary: boolean): Request | undefined {
    if (!isBinary) return undefined;
    let value: unknown;
    try {
      value = this.#engine.codec.decode(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    } catch {
      return undefined;
    }
    if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
    const request = value as Request;
    const { id, method, params } = request;
    if (typeof method !== 'string' || method.length > 64) return undefined;
    if (id !== undefined && typeof id !== 'string' && typeof id !== 'number') return undefined;
    if (params !== undefined && params !== null && !Array.isArray(params)) return undefined;
    return { ...request, params: params ?? undefined };
  }

  async #handle(request: Request): Promise<unknown> {
    const session = request.method === 'attach' ? undefined : this.#session(request.session);
    const decision = decide(request, {
      signedIn: session?.authenticated ?? false,
      connectionSignedIn: this.authenticated,
      held: session?.pending.length ?? 0,
      sessions: this.#sessions.size,
      ownsTransaction: (id) => this.#transactions.has(id),
      ownsLive: (id) => this.#lives.has(id),
    });
    switch (decision.step) {
      case 'refuse':
        throw new RpcRefusal(decision.error);
      case 'answer':
        return decision.result;
      case 'hold':
        session!.pending.push({ method: request.method, params: request.params });
        return decision.result;
      case 'local':
        return this.#local(request, session);
    }
    // One password check at a time per connection: a client cannot queue a pile of guesses ahead of everyone
    // else's sign-in. Refused without a check, so not counted as a failed sign-in.
    if (request.method === 'signin' && this.#signingIn)
      throw new RpcRefusal(
        notAllowed('a sign-in is already running on this connection: wait for its answer'),
      );
    const txnId = idOf(request.txn);
    const forward = () =>
      this.#call({
        method: request.method,
        params: request.params,
        session: session!,
        ...(txnId ? { txn: new Uuid(txnId) } : {}),
      });
    let result: unknown;
    try {
      result = await (request.method === 'signin' ? this.#signin(forward) : forward());
    } catch (error) {
      if (decision.records === 'signed-in') this.#signinFailed(session!, request.method);
      throw error;
    }
    await this.#record(decision.records, session!, request, result);
    for (const kill of decision.kills) if (kill.kind === 'id') this.#forget(kill.id);
    return result;
  }

  /** Session management, which the hub does itself: every engine session of a client is one of its own. */
  async #local(request: Request, session: ClientSession | undefined): Promise<unknown> {
    if (request.method === 'sessions')
      return [...this.#sessions.values()].flatMap((s) => (s.client ? [s.client] : []));
    if (request.method === 'attach') {
      const client = asUuid(request.session);
      if (!client) throw new RpcRefusal(notAllowed('attach needs a session id (a UUID)'));
      if (this.#sessions.has(idOf(client) ?? ''))
        throw new RpcRefusal(notAllowed('that session is already attached'));
      await this.#attach(client);
      return undefined;
    }
    if (!session?.client) throw new RpcRefusal(notAllowed('the default session cannot be detached'));
    await this.#detach(session);
    return undefined;
  }

  async #record(
    records: Recorded | undefined,
    session: ClientSession,
    request: Request,
    result: unknown,
  ): Promise<void> {
    switch (records) {
      case 'signed-in': {
        const first = !this.authenticated;
        session.authenticated = true;
        this.#failedSignins = 0;
        if (first) this.onSignedIn();
        const held = session.pending;
        session.pending = [];
        // Each was answered when it was held, as the engine answers them before sign-in: one the engine refuses
        // now (a protected variable) cannot be told to the client, and must neither fail the sign-in that worked
        // nor keep the ones after it from running.
        for (const { method, params } of held) {
          await this.#call({ method, params, session }).catch((error: unknown) =>
            this.#log.debug({ err: error, method }, 'db hub: a request held until sign-in was refused'),
          );
        }
        return;
      }
      case 'signed-out':
        session.authenticated = false;
        session.pending = [];
        return;
      case 'transaction':
        // Began by a request still running when the connection closed: nobody will commit it.
        if (this.#closed) await this.#call({ method: 'cancel', params: [result], session }).catch(() => {});
        else this.#transactions.set(idOf(result) ?? String(result), session);
        return;
      case 'transaction-end':
        this.#transactions.delete(idOf(request.params?.[0]) ?? '');
        return;
      case 'live':
        this.#own(idOf(result) ?? String(result), session);
        return;
      case 'live-end':
        this.#forget(idOf(request.params?.[0]) ?? '');
        return;
      case 'query':
        // LIVE SELECT statements start live queries this session owns.
        if (!Array.isArray(result)) return;
        for (const entry of result as { status?: string; type?: string; result?: unknown }[]) {
          const id = entry?.status === 'OK' && entry.type === 'live' ? idOf(entry.result) : undefined;
          if (id) this.#own(id, session);
        }
        return;
      default:
        return;
    }
  }

  /** A password check, when the shared gate lets it run and only if the connection is still open by then. */
  async #signin(forward: () => Promise<unknown>): Promise<unknown> {
    this.#signingIn = true;
    try {
      return await this.signinGate(() => {
        if (this.#closed) throw new RpcRefusal(notFound('Connection'));
        return forward();
      });
    } finally {
      this.#signingIn = false;
    }
  }

  #signinFailed(session: ClientSession, method: string): void {
    session.authenticated = false;
    this.#log.warn({ method }, 'db hub sign-in refused');
    this.#failedSignins += 1;
  }

  #session(raw: unknown): ClientSession {
    const key = raw === undefined || raw === null ? '' : (idOf(raw) ?? String(raw).slice(0, 64));
    const session = this.#sessions.get(key);
    if (!session) throw new RpcRefusal(notFound(`Session ${key}`));
    return session;
  }

  #own(id: string, session: ClientSession): void {
    if (this.#closed) {
      // Started by a request that was still running when the connection closed: nobody will listen to it.
      this.#call({ method: 'kill', params: [new Uuid(id)], session }).catch(() => {});
      return;
    }
    if (this.#lives.has(id)) return;
    // KILLED notifications carry no session: route this live query by its id as well.
    const unroute = this.#engine.routeLive(id, (notification) => this.#notify(notification, session));
    this.#lives.set(id, { session, unroute });
  }

  #forget(id: string): void {
    // Keep routing by id until the KILLED notification has passed, then let go.
    const live = this.#lives.get(id);
    if (!live) return;
    this.#lives.delete(id);
    setTimeout(live.unroute, 1_000).unref();
  }

  async #attach(client: Uuid | undefined): Promise<ClientSession> {
    const session: ClientSession = {
      client,
      engine: Uuid.v4(),
      authenticated: false,
      pending: [],
      unroute: () => {},
      order: new SessionOrder(),
    };
    await this.#call({ method: 'attach', session });
    if (this.#closed && client) {
      await this.#call({ method: 'detach', session });
      throw new RpcRefusal(notFound('Connection'));
    }
    session.unroute = this.#engine.routeSession(session.engine, (notification) =>
      this.#notify(notification, session),
    );
    this.#sessions.set(client ? (idOf(client) ?? '') : '', session);
    return session;
  }

  async #detach(session: ClientSession): Promise<void> {
    for (const [id, live] of this.#lives) {
      if (live.session !== session) continue;
      live.unroute();
      this.#lives.delete(id);
      await this.#call({ method: 'kill', params: [new Uuid(id)], session }).catch(() => {});
    }
    for (const [txn, owner] of this.#transactions) {
      if (owner === session) this.#transactions.delete(txn);
    }
    session.unroute();
    this.#sessions.delete(session.client ? (idOf(session.client) ?? '') : '');
    await this.#call({ method: 'detach', session });
  }

  #notify(notification: LiveNotification, session: ClientSession): void {
    if (this.#closed) return;
    const id = idOf(notification.id) ?? String(notification.id);
    // A live query started in a way the hub did not see (inside a block, say) is still this session's.
    if (notification.action !== 'KILLED' && !this.#lives.has(id)) this.#own(id, session);
    const { session: _engineSession, ...rest } = notification;
    this.#send({ result: session.client ? { ...rest, session: session.client } : rest });
  }

  /** Runs one request in one of this connection's engine sessions, in that session's order. */
  async #call(request: {
    method: string;
    params?: unknown[] | undefined;
    session: ClientSession;
    txn?: Uuid;
  }) {
    const frame: Record<string, unknown> = {
      id: `h${++this.#nextId}`,
      method: request.method,
      session: request.session.engine,
    };
    // Absent fields stay absent: CBOR would turn `undefined` into NONE, which the engine reads as a value.
    if (request.params !== undefined) frame.params = request.params;
    if (request.txn !== undefined) frame.txn = request.txn;
    const codec = this.#engine.codec;
    const encoded = codec.encode(frame);
    let answer: Uint8Array;
    try {
      answer = await request.session.order.run(request.method, () => this.#engine.executeRaw(encoded));
    } catch (error) {
      // The engine computed a value it cannot put in CBOR (RETURN /x/ is a Regex): the client's query, not a fault.
      const reason = errorMessage(error);
      if (!/^Unsupported value type/.test(reason)) throw error;
      throw new RpcRefusal({
        code: -32000,
        kind: 'Serialization',
        message: `the result holds a value the database cannot send (${reason}): return it as a string instead, e.g. <string> /x/`,
      });
    }
    const response = codec.decode(answer);
    const error = asRpcError(response);
    if (error) throw new RpcRefusal(error);
    return response as unknown;
  }

  #send(message: Record<string, unknown>): void {
    if (this.#socket.readyState !== this.#socket.OPEN) return;
    // A client that stops reading would make the agent buffer notifications without bound; it re-selects and
    // re-subscribes when it reconnects, so dropping it loses nothing.
    if (this.#socket.bufferedAmount > HUB_LIMITS.bufferedBytes) {
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

function asUuid(value: unknown): Uuid | undefined {
  const id = idOf(value);
  return id === undefined ? undefined : new Uuid(id);
}
