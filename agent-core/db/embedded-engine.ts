// The official SDK's engine for the agent's own connection to the shared embedded engine (modelled on
// @surrealdb/node's NodeEngine, but sharing the one raw engine and its one notification stream with the hub).
import {
  ChannelIterator,
  type ConnectionState,
  ConnectionUnavailableError,
  type DriverContext,
  type EngineEvents,
  type EngineFactory,
  Features,
  LiveDispatcher,
  type LiveMessage,
  Publisher,
  parseRpcError,
  type RecordId,
  RpcEngine,
  type RpcRequest,
  type SqlExportOptions,
  type SurrealEngine,
  type Uuid,
} from 'surrealdb';
import { asRpcError, type LiveNotification, type SharedEngine } from './shared-engine.ts';

/** Protocol name the agent's own connection uses; the URL carries no meaning beyond picking this engine. */
export const EMBEDDED_PROTOCOL = 'mono-embedded';

export function embeddedEngines(shared: SharedEngine): Record<string, EngineFactory> {
  return { [EMBEDDED_PROTOCOL]: (context: DriverContext) => new EmbeddedEngine(context, shared) };
}

export class EmbeddedEngine extends RpcEngine implements SurrealEngine {
  readonly #shared: SharedEngine;
  readonly #publisher = new Publisher<EngineEvents>();
  readonly #live = new LiveDispatcher();
  /** Unroute functions for the default session and every session this connection attached. */
  readonly #routes = new Map<string, () => void>();
  /** Live ids someone iterates; a KILLED for any other id (the SDK already stopped listening) is dropped. */
  readonly #listening = new Map<string, number>();
  #active = false;

  features = new Set([
    Features.LiveQueries,
    Features.Sessions,
    Features.Transactions,
    Features.Api,
    Features.ExportImportRaw,
  ]);

  constructor(context: DriverContext, shared: SharedEngine) {
    super(context);
    this.#shared = shared;
  }

  open(state: ConnectionState): void {
    this._state = state;
    this.#active = true;
    this.#route(undefined);
    // The controller subscribes to "connected" before open() returns; publish after it does.
    queueMicrotask(() => {
      if (this.#active) this.#publisher.publish('connected');
    });
  }

  async close(): Promise<void> {
    if (!this.#active) return;
    this._state = undefined;
    this.#active = false;
    for (const unroute of this.#routes.values()) unroute();
    this.#routes.clear();
    this.#live.clear();
    this.#publisher.publish('disconnected');
  }

  ready(): void {}

  subscribe<K extends keyof EngineEvents>(
    event: K,
    listener: (...payload: EngineEvents[K]) => void,
  ): () => void {
    return this.#publisher.subscribe(event, listener);
  }

  liveQuery(id: Uuid): AsyncIterable<LiveMessage> {
    const key = id.toString();
    this.#listening.set(key, (this.#listening.get(key) ?? 0) + 1);
    const channel = new ChannelIterator<LiveMessage>(() => {
      const left = (this.#listening.get(key) ?? 1) - 1;
      if (left > 0) this.#listening.set(key, left);
      else this.#listening.delete(key);
      unsubscribe();
      unroute();
      unlisten();
    });
    const unsubscribe = this.#live.subscribe(id.toString(), (message) =>
      channel.submit(message as LiveMessage),
    );
    // KILLED notifications carry no session: route them by the live query's id.
    const unroute = this.#shared.routeLive(id, (notification) => this.#deliver(notification));
    const unlisten = this.#publisher.subscribe('disconnected', () => channel.cancel());
    return channel;
  }

  async send<Method extends string, Params extends unknown[] | undefined, Result>(
    request: RpcRequest<Method, Params>,
  ): Promise<Result> {
    if (!this.#active) throw new ConnectionUnavailableError();
    // The embedded engine has no `health` method: a ping that round-trips is the same answer.
    const wire = request.method === 'health' ? { ...request, method: 'ping' } : request;
    const codec = this._context.codecs.cbor;
    const response = codec.decode(
      await this.#shared.executeRaw(codec.encode({ id: this._context.uniqueId(), ...wire }), {
        queued: true,
      }),
    );
    const error = asRpcError(response);
    if (error) throw parseRpcError(error as Parameters<typeof parseRpcError>[0]);
    if (request.method === 'attach') this.#route(request.session);
    if (request.method === 'detach' && request.session) {
      this.#routes.get(request.session.toString())?.();
      this.#routes.delete(request.session.toString());
    }
    return response as Result;
  }

  override async importSql(data: string | Blob | ReadableStream): Promise<void> {
    if (!this.#active) throw new ConnectionUnavailableError();
    if (typeof data === 'string') return this.#shared.import(data);
    if (data instanceof Blob) return this.#shared.import(await data.text());
    return this.#shared.import(await new Response(data).text());
  }

  override async exportSql(options: Partial<SqlExportOptions>): Promise<Response> {
    if (!this.#active) throw new ConnectionUnavailableError();
    return new Response(await this.#shared.export(this._context.codecs.cbor.encode(options)));
  }

  #route(session: Uuid | undefined): void {
    const key = session?.toString() ?? '';
    this.#routes.get(key)?.();
    this.#routes.set(
      key,
      this.#shared.routeSession(session, (notification) => this.#deliver(notification)),
    );
  }

  #deliver(notification: LiveNotification): void {
    const id = notification.id.toString();
    if (notification.action === 'KILLED') {
      if (!this.#listening.has(id)) return;
      this.#live.dispatch(id, { queryId: notification.id, action: 'KILLED' });
      return;
    }
    this.#live.dispatch(id, {
      queryId: notification.id,
      action: notification.action,
      recordId: notification.record as RecordId,
      value: notification.result as Record<string, unknown>,
    });
  }
}
