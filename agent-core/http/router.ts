// A small HTTP router on plain values: method + path routes with `:param` segments, body limits by path prefix,
// handlers that take a request object and return {status, body}. No fetch globals anywhere: see app.ts for why.
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { Logger } from '../log/logger.ts';

/** What a handler sees. */
export interface HttpRequest {
  readonly method: string;
  /** The path as sent, without the query. */
  readonly path: string;
  /** The route's `:name` segments, percent-decoded. */
  readonly params: Readonly<Record<string, string>>;
  /** The query's parameters, decoded; a repeated name keeps its first value (as Hono's `query()` did). */
  readonly query: Readonly<Record<string, string>>;
  /** A request header, by name in any case. */
  header(name: string): string | undefined;
  /** The raw body bytes. Rejects past the route's body limit, which is counted while the body streams in. */
  body(): Promise<Buffer>;
  /** The body as UTF-8 (a leading BOM dropped, as fetch's `Request.text()` did). */
  text(): Promise<string>;
}

/** What a handler returns: a string body is sent as text/plain, anything else as JSON. */
export interface HttpResponse {
  status: number;
  body: string | object;
  headers?: Record<string, string>;
}

export type Handler = (request: HttpRequest) => HttpResponse | Promise<HttpResponse>;

/** A response ready for the socket: body serialised, content-type and content-length set. */
export interface WireResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** The incoming side. node:http's IncomingMessage is one; tests make one from `Readable.from(chunks)`. */
export type RawRequest = Readable & {
  method?: string | undefined;
  url?: string | undefined;
  headers: IncomingHttpHeaders;
};

export class BodyTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`The request body is larger than ${maxBytes} bytes.`);
    this.name = 'BodyTooLargeError';
  }
}

/** The client went away (or the server's request timeout hit) before the whole body arrived. */
export class BodyAbortedError extends Error {
  constructor() {
    super('The request body ended early: the client closed the connection.');
    this.name = 'BodyAbortedError';
  }
}

interface Route {
  method: string;
  segments: string[];
  handler: Handler;
}

const utf8 = new TextDecoder();

/** Asked before a request is routed: an answer here is sent instead (e.g. 503 while new work is refused). */
export type Gate = (method: string, path: string) => HttpResponse | undefined;

export class Router {
  readonly #routes: Route[] = [];
  readonly #limits: { prefix: string; maxBytes: number }[];
  #gate: Gate | undefined;

  constructor(
    private readonly log: Logger,
    maxBodyBytes: number,
  ) {
    this.#limits = [{ prefix: '/', maxBytes: maxBodyBytes }];
  }

  get(path: string, handler: Handler): void {
    this.#routes.push({ method: 'GET', segments: path.split('/'), handler });
  }

  post(path: string, handler: Handler): void {
    this.#routes.push({ method: 'POST', segments: path.split('/'), handler });
  }

  /** Sets the gate every request passes before its route (one; a second call replaces it). */
  gate(gate: Gate): void {
    this.#gate = gate;
  }

  /** Caps request bodies on paths starting with `prefix` (e.g. '/hooks/'); where several apply, the smallest. */
  limit(prefix: string, maxBytes: number): void {
    this.#limits.push({ prefix, maxBytes });
  }

  /** Answers one request. Never rejects: a handler's error becomes a logged 500. */
  async handle(raw: RawRequest): Promise<WireResponse> {
    const url = raw.url ?? '/';
    const queryAt = url.indexOf('?');
    const path = queryAt === -1 ? url : url.slice(0, queryAt);
    const maxBytes = this.#limitFor(path);
    // Refused before a byte of it is read, as Hono's bodyLimit did.
    if (Number(raw.headers['content-length']) > maxBytes) return tooLarge();
    const method = raw.method === 'HEAD' ? 'GET' : (raw.method ?? 'GET');
    const route = this.#match(method, path);
    const refused = route ? this.#gate?.(method, path) : undefined;
    let body: Promise<Buffer> | undefined;
    let overflowed = false;
    let response: WireResponse;
    if (refused) {
      response = serialise(refused);
    } else if (!route) {
      response = serialise({ status: 404, body: 'not found' });
    } else {
      let query: Record<string, string> | undefined;
      const request: HttpRequest = {
        method: raw.method ?? 'GET',
        path,
        params: route.params,
        get query() {
          query ??= parseQuery(queryAt === -1 ? '' : url.slice(queryAt + 1));
          return query;
        },
        header: (name) => headerValue(raw.headers[name.toLowerCase()]),
        body: () =>
          (body ??= readBody(raw, maxBytes).catch((error: unknown) => {
            overflowed ||= error instanceof BodyTooLargeError;
            throw error;
          })),
        text: async () => utf8.decode(await request.body()),
      };
      try {
        response = serialise(await route.handler(request));
      } catch (error) {
        response = this.#failed(error, path);
      }
      // A handler that caught the overflow must not answer as if the rest of the upload were not still coming.
      if (overflowed) return tooLarge();
    }
    // node:http drains an unread body to keep the connection; a chunked one has no end we know: close instead.
    if (body === undefined && raw.headers['transfer-encoding'] !== undefined)
      response.headers.connection = 'close';
    return response;
  }

  #failed(error: unknown, path: string): WireResponse {
    if (error instanceof BodyTooLargeError) return tooLarge();
    if (error instanceof BodyAbortedError) {
      this.log.debug({ path }, 'request body cut short');
      return serialise({ status: 400, body: 'request body incomplete' });
    }
    this.log.error({ err: error, path }, 'request failed');
    return serialise({ status: 500, body: 'internal error' });
  }

  #limitFor(path: string): number {
    let max = Number.POSITIVE_INFINITY;
    for (const { prefix, maxBytes } of this.#limits)
      if (path.startsWith(prefix)) max = Math.min(max, maxBytes);
    return max;
  }

  #match(method: string, path: string): { handler: Handler; params: Record<string, string> } | undefined {
    let segments: string[] | undefined;
    routes: for (const route of this.#routes) {
      if (route.method !== method) continue;
      segments ??= path.split('/');
      if (segments.length !== route.segments.length) continue;
      const params: Record<string, string> = {};
      for (let i = 0; i < segments.length; i++) {
        const pattern = route.segments[i]!;
        const segment = segments[i]!;
        if (pattern.startsWith(':') && segment !== '') params[pattern.slice(1)] = decode(segment);
        else if (pattern !== segment) continue routes;
      }
      return { handler: route.handler, params };
    }
    return undefined;
  }
}

/** Reads a body whole, counting bytes as they arrive: past `maxBytes` it stops reading and rejects. */
export function readBody(stream: Readable, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (stream.destroyed) {
      reject(new BodyAbortedError());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = () => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onAbort);
      stream.off('close', onAbort);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        stop();
        // The rest stays unread: the 413 goes out with `connection: close` and the socket is dropped after it.
        stream.pause();
        reject(new BodyTooLargeError(maxBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      stop();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onAbort = () => {
      stop();
      reject(new BodyAbortedError());
    };
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onAbort);
    stream.on('close', onAbort);
  });
}

function tooLarge(): WireResponse {
  // The rest of the upload is not read: close the connection, or the client would reuse a socket we drop.
  return serialise({ status: 413, body: 'request body too large', headers: { connection: 'close' } });
}

function serialise(response: HttpResponse): WireResponse {
  const json = typeof response.body !== 'string';
  const body = json ? JSON.stringify(response.body) : (response.body as string);
  return {
    status: response.status,
    headers: {
      'content-type': json ? 'application/json' : 'text/plain; charset=UTF-8',
      'content-length': String(Buffer.byteLength(body)),
      ...response.headers,
    },
    body,
  };
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

function parseQuery(search: string): Record<string, string> {
  // No prototype: a parameter named __proto__ is just a parameter.
  const query: Record<string, string> = Object.create(null);
  if (search === '') return query;
  for (const [name, value] of new URLSearchParams(search))
    if (name !== '' && !(name in query)) query[name] = value;
  return query;
}

function decode(segment: string): string {
  if (!segment.includes('%')) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
