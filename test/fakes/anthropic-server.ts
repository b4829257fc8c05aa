// FakeAnthropic: a real HTTP server speaking the Anthropic Messages API (JSON and SSE streaming,
// tool_use, usage with prompt-cache tokens, errors), so @anthropic-ai/sdk with `baseURL` talks to it
// unchanged. Tests script replies, inject faults, and hold requests to simulate a slow model.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ApiMessage, apiId, buildMessage, sseFrames } from './anthropic-reply.ts';
import { countInputTokens, PromptCache, TooManyBreakpointsError } from './anthropic-tokens.ts';
import {
  type ErrorSpec,
  echoResponder,
  type FakeReply,
  type MessagesRequest,
  type Responder,
} from './anthropic-types.ts';
import { validateMessagesRequest } from './anthropic-validate.ts';
import {
  clientGone,
  type Listening,
  type ListenOptions,
  listen,
  preciseNow,
  readBody,
  Signal,
  sendJson,
  sleep,
  waitUntil,
} from './http-util.ts';

/** The API key FakeAnthropic accepts by default. Test data, not a secret. */
export const FAKE_ANTHROPIC_KEY = 'sk-ant-fake-00000000000000000000000000000000';

export interface FakeAnthropicOptions {
  apiKey?: string;
  respond?: Responder;
  delayMs?: number;
  /** Prefixes shorter than this many tokens are not cached (real API: 1024+). Default 0 so short test prompts cache. */
  cacheMinTokens?: number;
  /** Reject consecutive turns with the same role (default true, the strict reading of the API contract). */
  strictAlternation?: boolean;
  /** Characters per text_delta / input_json_delta chunk when streaming (default 12). */
  chunkChars?: number;
  /** Pause between SSE frames (default 0: the whole stream is written at once). */
  streamDelayMs?: number;
}

/** One POST /v1/messages that passed auth and validation. */
export interface AnthropicCall {
  body: MessagesRequest;
  headers: Record<string, string | string[] | undefined>;
  /** Epoch ms (sub-ms precision) when the request arrived. */
  time: number;
  /** HTTP status answered; undefined while held or running. */
  status?: number;
}

export type FaultKind = 429 | 500 | 529 | ErrorSpec;

const STANDARD_ERRORS: Record<number, Omit<ErrorSpec, 'status'>> = {
  429: {
    type: 'rate_limit_error',
    message: 'This request would exceed your organization’s rate limit. Please try again later.',
  },
  500: { type: 'api_error', message: 'Internal server error' },
  529: { type: 'overloaded_error', message: 'Overloaded' },
};

function errorSpec(kind: FaultKind, retryAfter?: number): ErrorSpec {
  if (typeof kind === 'object') return kind;
  const standard = STANDARD_ERRORS[kind] ?? { type: 'api_error', message: `HTTP ${kind}` };
  return { status: kind, ...standard, ...(kind === 429 ? { retryAfter: retryAfter ?? 1 } : {}) };
}

export class FakeAnthropic {
  /** The /__fake/… control routes, when this fake runs in a process of its own (serve.ts installs them). */
  control: ((url: URL, body: Buffer, res: ServerResponse) => Promise<void>) | undefined;
  apiKey: string;
  /** Scripted answer for each request; the default echoes the last user message. */
  respond: Responder;
  /** Wait this long before answering every request. */
  delayMs: number;
  chunkChars: number;
  streamDelayMs: number;
  strictAlternation: boolean;
  readonly cache: PromptCache;
  /** Bodies of every accepted POST /v1/messages, in arrival order (retries appear again). */
  readonly requests: MessagesRequest[] = [];
  readonly log: AnthropicCall[] = [];
  readonly countTokensRequests: MessagesRequest[] = [];
  /** Non-streaming and streaming answers sent, in order (the Message as the client reassembles it). */
  readonly responses: ApiMessage[] = [];
  #inFlight = 0;
  #holding = false;
  readonly #held = new Set<() => void>();
  readonly #faults: { remaining: number; spec: ErrorSpec }[] = [];
  #failAlways: ErrorSpec | undefined;
  readonly #changed = new Signal();
  #listening: Listening | undefined;
  #offlineAt: ListenOptions | undefined;

  constructor(options: FakeAnthropicOptions = {}) {
    this.apiKey = options.apiKey ?? FAKE_ANTHROPIC_KEY;
    this.respond = options.respond ?? echoResponder;
    this.delayMs = options.delayMs ?? 0;
    this.chunkChars = options.chunkChars ?? 12;
    this.streamDelayMs = options.streamDelayMs ?? 0;
    this.strictAlternation = options.strictAlternation ?? true;
    this.cache = new PromptCache(options.cacheMinTokens ?? 0);
  }

  get url(): string {
    if (!this.#listening) throw new Error('FakeAnthropic is not started: call start() first');
    return this.#listening.url;
  }

  /** Requests received and not yet answered (held, delayed or streaming). */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Requests currently parked by hold(). */
  get held(): number {
    return this.#held.size;
  }

  get holding(): boolean {
    return this.#holding;
  }

  async start(options: ListenOptions = {}): Promise<{ url: string }> {
    this.#listening = await listen((req, res) => void this.#handle(req, res), options);
    return { url: this.#listening.url };
  }

  async close(): Promise<void> {
    this.release();
    await this.#listening?.close();
    this.#listening = undefined;
  }

  /**
   * A network outage as the client sees it: stops listening (connections refused, open and held requests cut)
   * until online(), which listens again on the same address.
   */
  async offline(): Promise<void> {
    if (!this.#listening) throw new Error('FakeAnthropic is not started: call start() first');
    const { address, port } = this.#listening.server.address() as { address: string; port: number };
    this.#offlineAt = { host: address, port };
    await this.#listening.close();
  }

  async online(): Promise<void> {
    if (!this.#offlineAt) throw new Error('FakeAnthropic is not offline');
    this.#listening = await listen((req, res) => void this.#handle(req, res), this.#offlineAt);
    this.#offlineAt = undefined;
  }

  // ---- faults and latency ---------------------------------------------------------------------------

  /** The next `count` requests answer 429 rate_limit_error (with retry-after), 529 overloaded_error, 500 api_error, or a custom error. */
  failNext(count: number, kind: FaultKind = 429, { retryAfter }: { retryAfter?: number } = {}): void {
    this.#faults.push({ remaining: count, spec: errorSpec(kind, retryAfter) });
  }

  /** Every request fails with this status until failAlways(null) or clearFaults(). */
  failAlways(kind: FaultKind | null, { retryAfter }: { retryAfter?: number } = {}): void {
    this.#failAlways = kind === null ? undefined : errorSpec(kind, retryAfter);
  }

  clearFaults(): void {
    this.#faults.length = 0;
    this.#failAlways = undefined;
  }

  /** Forgets what was recorded (requests, log, responses); faults, hold and the prompt cache stay. */
  clearRecords(): void {
    this.requests.length = 0;
    this.log.length = 0;
    this.countTokensRequests.length = 0;
    this.responses.length = 0;
  }

  /** New requests wait (connection open, nothing sent) until release(). Cheap: one closure per request. */
  hold(): void {
    this.#holding = true;
  }

  /** Releases the oldest `count` held requests and keeps holding; without `count`, releases all and stops holding. */
  release(count?: number): void {
    if (count === undefined) this.#holding = false;
    let left = count ?? Number.POSITIVE_INFINITY;
    for (const resume of this.#held) {
      if (left-- <= 0) break;
      this.#held.delete(resume);
      resume();
    }
    this.#changed.emit();
  }

  // ---- waiting --------------------------------------------------------------------------------------

  /** Resolves once at least `n` requests were accepted in total (held ones count). */
  waitForRequests(n: number, { timeoutMs = 5000 } = {}): Promise<MessagesRequest[]> {
    return waitUntil(
      () => (this.requests.length >= n ? this.requests.slice() : undefined),
      this.#changed.subscribe,
      timeoutMs,
      () => `FakeAnthropic.waitForRequests: ${this.requests.length} of ${n} requests within ${timeoutMs} ms`,
    );
  }

  /** Resolves once at least `n` requests are parked by hold(). */
  waitForHeld(n: number, { timeoutMs = 5000 } = {}): Promise<number> {
    return waitUntil(
      () => (this.#held.size >= n ? this.#held.size : undefined),
      this.#changed.subscribe,
      timeoutMs,
      () => `FakeAnthropic.waitForHeld: ${this.#held.size} of ${n} requests held within ${timeoutMs} ms`,
    );
  }

  // ---- HTTP -----------------------------------------------------------------------------------------

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = apiId('req');
    const fail = (status: number, type: string, message: string, headers: Record<string, string> = {}) =>
      sendJson(
        res,
        status,
        { type: 'error', error: { type, message }, request_id: requestId },
        { 'request-id': requestId, ...headers },
      );
    try {
      const url = new URL(req.url ?? '/', 'http://fake.invalid');
      const body = await readBody(req);
      if (url.pathname.startsWith('/__fake/') && this.control) return await this.control(url, body, res);
      const route = `${req.method} ${url.pathname}`;
      const known = ['POST /v1/messages', 'POST /v1/messages/count_tokens', 'GET /v1/models'];
      if (!known.includes(route) && !route.startsWith('GET /v1/models/'))
        return fail(404, 'not_found_error', 'Not Found');
      const authError = this.#checkAuth(req);
      if (authError) return fail(401, 'authentication_error', authError);
      if (!req.headers['anthropic-version'])
        return fail(400, 'invalid_request_error', 'anthropic-version: header is required');
      if (req.method === 'GET') return this.#models(url, res, requestId, fail);
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch {
        return fail(
          400,
          'invalid_request_error',
          'There was an error parsing the body of your request: invalid JSON',
        );
      }
      const counting = url.pathname.endsWith('/count_tokens');
      const problem = validateMessagesRequest(
        parsed,
        { strictAlternation: this.strictAlternation },
        counting,
      );
      if (problem) return fail(400, 'invalid_request_error', problem);
      const request = parsed as MessagesRequest;
      if (counting) {
        this.countTokensRequests.push(request);
        return sendJson(res, 200, { input_tokens: countInputTokens(request) }, { 'request-id': requestId });
      }
      return await this.#messages(req, res, request, requestId, fail);
    } catch (error) {
      return fail(500, 'api_error', `Internal server error (fake): ${(error as Error).message}`);
    }
  }

  #checkAuth(req: IncomingMessage): string | undefined {
    const apiKey = req.headers['x-api-key'];
    const bearer = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (apiKey === undefined && bearer === undefined) return 'x-api-key header is required';
    if (apiKey === this.apiKey || bearer === this.apiKey) return undefined;
    return 'invalid x-api-key';
  }

  async #messages(
    req: IncomingMessage,
    res: ServerResponse,
    request: MessagesRequest,
    requestId: string,
    fail: (status: number, type: string, message: string, headers?: Record<string, string>) => void,
  ): Promise<void> {
    const call: AnthropicCall = { body: request, headers: req.headers, time: preciseNow() };
    const index = this.requests.length;
    this.requests.push(request);
    this.log.push(call);
    this.#inFlight++;
    res.on('close', () => {
      this.#inFlight--;
      this.#changed.emit();
    });
    // Faults are taken in arrival order, so "the next N requests" is deterministic even when held.
    const fault = this.#failAlways ?? this.#takeFault();
    this.#changed.emit();
    const signal = clientGone(req, res);
    if (this.#holding) await this.#park(signal);
    await sleep(this.delayMs, signal);
    if (signal.aborted) return;
    const reply: FakeReply = fault
      ? { error: fault }
      : await this.respond(request, { index, headers: req.headers });
    if (reply.error) {
      call.status = reply.error.status;
      const retryAfter = reply.error.retryAfter;
      return fail(
        reply.error.status,
        reply.error.type,
        reply.error.message,
        retryAfter !== undefined ? { 'retry-after': String(retryAfter) } : {},
      );
    }
    let input: ReturnType<PromptCache['account']>;
    try {
      input = this.cache.account(request);
    } catch (error) {
      if (!(error instanceof TooManyBreakpointsError)) throw error;
      call.status = 400;
      return fail(400, 'invalid_request_error', error.message);
    }
    const message = buildMessage(request, reply, input);
    this.responses.push(message);
    call.status = 200;
    if (!request.stream) return sendJson(res, 200, message, { 'request-id': requestId });
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      'request-id': requestId,
    });
    const frames = sseFrames(message, { chunkChars: this.chunkChars, streamError: reply.streamError });
    if (this.streamDelayMs <= 0) return void res.end(frames.join(''));
    for (const frame of frames) {
      if (signal.aborted) return;
      res.write(frame);
      await sleep(this.streamDelayMs, signal);
    }
    res.end();
  }

  #park(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const resume = () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        this.#held.delete(resume);
        resolve();
        this.#changed.emit();
      };
      this.#held.add(resume);
      signal.addEventListener('abort', onAbort, { once: true });
      this.#changed.emit();
    });
  }

  #takeFault(): ErrorSpec | undefined {
    const fault = this.#faults[0];
    if (!fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.#faults.shift();
    return fault.spec;
  }

  #models(
    url: URL,
    res: ServerResponse,
    requestId: string,
    fail: (status: number, type: string, message: string) => void,
  ): void {
    const models = ['claude-opus-5-5', 'claude-sonnet-5-5', 'claude-haiku-5-5'].map((id) => ({
      type: 'model',
      id,
      display_name: id,
      created_at: '2026-09-01T00:00:00Z',
    }));
    const id = url.pathname.slice('/v1/models/'.length);
    if (!url.pathname.startsWith('/v1/models/')) {
      const page = { data: models, has_more: false, first_id: models[0]!.id, last_id: models.at(-1)!.id };
      sendJson(res, 200, page, { 'request-id': requestId });
      return;
    }
    const model = models.find((m) => m.id === id);
    if (model) sendJson(res, 200, model, { 'request-id': requestId });
    else fail(404, 'not_found_error', `model: ${id}`);
  }
}
