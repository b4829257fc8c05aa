// One embedded SurrealDB engine shared by the agent's own SDK connection and the db hub: executes CBOR RPC
// requests and is the single consumer of the engine's live-query notifications, routing each to its owner.

import { CborCodec, Uuid } from 'surrealdb';
import type { Logger } from '../log/logger.ts';
import { FairSlots } from '../util/fair-slots.ts';
import type { RawEngine, RawNotificationReceiver } from './native-engine.ts';

/** A live-query notification as the engine emits it (`session` is absent for the default session and KILLED). */
export interface LiveNotification {
  id: Uuid;
  action: 'CREATE' | 'UPDATE' | 'DELETE' | 'KILLED';
  record?: unknown;
  result?: unknown;
  session?: Uuid;
}

export type NotificationSink = (notification: LiveNotification) => void;

/** The RPC error object of SurrealDB's protocol (`{code, message, kind?, details?}`). */
export interface RpcErrorObject {
  code: number;
  message: string;
  kind?: string;
  details?: unknown;
}

/**
 * The engine answers a request with its bare result or with `{error: {code, message, …}}`; a record that merely
 * has an `error` field is told apart by the shape of the value.
 */
export function asRpcError(value: unknown): RpcErrorObject | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const keys = Object.keys(value);
  if (keys.length !== 1 || keys[0] !== 'error') return undefined;
  const error = (value as { error: unknown }).error;
  if (error && typeof error === 'object' && typeof (error as RpcErrorObject).code === 'number') {
    return error as RpcErrorObject;
  }
  return undefined;
}

/** Key under which a session's notifications are routed; the engine's default session has none. */
export function sessionKey(session: unknown): string {
  return session === undefined || session === null ? '' : String(session);
}

/**
 * Requests the engine runs at once, from every connection. Each one in the engine holds its own buffers: a thousand
 * webhooks arriving together, each storing its message, took the agent from ~125 MB to ~465 MB resident (+341 MB,
 * nearly all of it the engine's), and allocators keep such memory after the peak. Eight at a time: +80 MB in the
 * same burst, every message still stored before its webhook is answered; four or two made it no smaller (the waiting
 * requests then pile up in the JavaScript heap instead). One request at a time would cost latency on a quiet agent.
 */
export const ENGINE_CALLS_AT_ONCE = 8;

export class SharedEngine {
  /** The SDK's own codec: the same value mapping its WebSocket engine uses on the wire. */
  readonly codec = new CborCodec({});
  readonly #raw: RawEngine;
  readonly #log: Logger;
  readonly #bySession = new Map<string, NotificationSink>();
  readonly #byLive = new Map<string, NotificationSink>();
  #receiver: RawNotificationReceiver | undefined;
  /** Ends when the engine closes its notification stream, i.e. when it has really let go of the datastore. */
  #consuming: Promise<void> = Promise.resolve();
  #closed = false;
  #nextId = 0;
  /** Requests the engine is running: freeing it under one makes the addon panic and abort the process. */
  readonly #inFlight = new Set<Promise<unknown>>();
  #gate: ((request: Uint8Array) => Promise<void> | undefined) | undefined;
  /** Requests handed to the engine at once (see ENGINE_CALLS_AT_ONCE); the rest wait their turn here. */
  readonly #slots = new FairSlots({ limit: () => ENGINE_CALLS_AT_ONCE });

  constructor(raw: RawEngine, log: Logger) {
    this.#raw = raw;
    this.#log = log;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Start the one notification consumer (the engine allows a single receiver). */
  async start(): Promise<void> {
    this.#receiver = await this.#raw.notifications();
    this.#consuming = this.#consume(this.#receiver);
  }

  /**
   * Asked before every request, from every connection: when it returns a promise, the request waits for it. (The
   * disk guard holds writes while the disk is full: a commit that fails for lack of space aborts the process.)
   */
  gate(gate: (request: Uint8Array) => Promise<void> | undefined): void {
    this.#gate = gate;
  }

  /** Run one CBOR-encoded RPC request; resolves to the CBOR-encoded result or `{error}`. */
  async executeRaw(request: Uint8Array): Promise<Uint8Array> {
    const wait = this.#gate?.(request);
    if (wait) await wait;
    const release = await this.#slots.acquire('engine');
    try {
      return await this.#track(() => this.#raw.execute(request));
    } finally {
      release();
    }
  }

  /** Run one RPC request given as a value; resolves to its result or throws its error as an RpcCallError. */
  async call(request: { method: string; params?: unknown[]; session?: Uuid; txn?: Uuid }): Promise<unknown> {
    // Absent fields stay absent: CBOR would turn `undefined` into NONE, which the engine reads as a value.
    const frame: Record<string, unknown> = { id: `m${++this.#nextId}`, method: request.method };
    if (request.params !== undefined) frame.params = request.params;
    if (request.session !== undefined) frame.session = request.session;
    if (request.txn !== undefined) frame.txn = request.txn;
    const response = this.codec.decode(await this.executeRaw(this.codec.encode(frame)));
    const error = asRpcError(response);
    if (error) throw new RpcCallError(request.method, error);
    return response;
  }

  /** Deliver the notifications of one engine session to `sink`; returns the unroute function. */
  routeSession(session: Uuid | undefined, sink: NotificationSink): () => void {
    const key = sessionKey(session);
    this.#bySession.set(key, sink);
    return () => {
      if (this.#bySession.get(key) === sink) this.#bySession.delete(key);
    };
  }

  /** Deliver the notifications of one live query to `sink` (KILLED notifications carry no session). */
  routeLive(liveId: Uuid | string, sink: NotificationSink): () => void {
    const key = String(liveId);
    this.#byLive.set(key, sink);
    return () => {
      if (this.#byLive.get(key) === sink) this.#byLive.delete(key);
    };
  }

  import(sql: string): Promise<void> {
    return this.#track(() => this.#raw.import(sql));
  }

  export(options: Uint8Array): Promise<string> {
    return this.#track(() => this.#raw.export(options));
  }

  /** Run one engine call unless closed, and remember it until it settles (close() waits for it). */
  #track<T>(run: () => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new Error('the datastore is closed'));
    const running = run();
    this.#inFlight.add(running);
    const settled = () => this.#inFlight.delete(running);
    running.then(settled, settled);
    return running;
  }

  /**
   * Free the engine and wait (at most `waitMs`, kept short because shutdown has a budget) until it has let go of
   * its files. After any DEFINE INDEX it never does in this process: the files stay locked until the process
   * exits (see DESIGN, known traps), and the wait simply runs out.
   */
  async close(waitMs = 250): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#bySession.clear();
    this.#byLive.clear();
    if (this.#inFlight.size > 0) {
      let wait: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...this.#inFlight]),
        new Promise<void>((resolve) => {
          wait = setTimeout(resolve, 5_000);
          wait.unref();
        }),
      ]);
      clearTimeout(wait);
    }
    this.#raw.free();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.#consuming,
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, waitMs);
        timer.unref();
      }),
    ]);
    clearTimeout(timer);
  }

  async #consume(receiver: RawNotificationReceiver): Promise<void> {
    while (!this.#closed) {
      let bytes: Uint8Array | null;
      try {
        bytes = await receiver.recv();
      } catch (error) {
        if (!this.#closed) this.#log.error({ err: error }, 'live-query notification stream failed');
        return;
      }
      if (bytes === null) return;
      try {
        this.#dispatch(this.codec.decode(bytes) as LiveNotification);
      } catch (error) {
        this.#log.warn({ err: error }, 'could not deliver a live-query notification');
      }
    }
  }

  #dispatch(notification: LiveNotification): void {
    const bySession = this.#bySession.get(sessionKey(notification.session));
    const byLive = this.#byLive.get(String(notification.id));
    // Notifications name their session, except KILLED ones (and the default session's): those go by live id.
    const sink = notification.session !== undefined ? (bySession ?? byLive) : (byLive ?? bySession);
    if (sink) {
      sink(notification);
      return;
    }
    if (notification.action === 'KILLED') return;
    // Nobody owns this live query any more (its connection is gone): stop it instead of feeding nobody.
    this.#log.debug({ live: String(notification.id) }, 'killing an orphaned live query');
    this.call({ method: 'kill', params: [notification.id], session: notification.session }).catch(() =>
      this.call({ method: 'kill', params: [notification.id] }).catch(() => {}),
    );
  }
}

/** An RPC request the datastore refused; carries the engine's own error object. */
export class RpcCallError extends Error {
  override readonly name = 'RpcCallError';
  constructor(
    readonly method: string,
    readonly rpcError: RpcErrorObject,
  ) {
    super(`SurrealDB refused ${method}: ${rpcError.message}`);
  }
}

export { Uuid };
