// FakeTelegram: a real HTTP server speaking the Telegram Bot API wire protocol, so grammY (with
// `client: { apiRoot }`) and the agent talk to it unchanged. State, faults and test helpers live here;
// the Bot API methods are in telegram-methods.ts.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Message, Update, UserFromGetMe } from 'grammy/types';
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
import type { MediaInput } from './telegram-files.ts';
import * as media from './telegram-files.ts';
import { TelegramFiles } from './telegram-files.ts';
import { canonicalMethod, type MethodResult, runMethod } from './telegram-methods.ts';
import { BadParamsError, type Params, parseParams } from './telegram-params.ts';
import type {
  BotState,
  SendTextInput,
  SentMessage,
  TelegramCall,
  TelegramErrorBody,
  WebhookState,
} from './telegram-types.ts';

export type { MediaInput } from './telegram-files.ts';
export type {
  SendTextInput,
  SentMessage,
  TelegramCall,
  TelegramErrorBody,
  WebhookState,
} from './telegram-types.ts';

/** The token FakeTelegram accepts when no `tokens` option is given. Test data, not a secret. */
export const FAKE_TELEGRAM_TOKEN = '7000000001:AAFakeTelegramTokenForMonoTests000000';

export interface FakeTelegramOptions {
  /** Bot tokens the server accepts; any other token gets 401 Unauthorized. */
  tokens?: string[];
}

interface Poller {
  res: ServerResponse;
  call: TelegramCall;
  limit: number;
  timer: NodeJS.Timeout;
}

export class FakeTelegram implements BotState {
  /** The /__fake/… control routes, when this fake runs in a process of its own (serve.ts installs them). */
  control: ((url: URL, body: Buffer, res: ServerResponse) => Promise<void>) | undefined;
  readonly tokens: Set<string>;
  readonly calls: TelegramCall[] = [];
  readonly sent: SentMessage[] = [];
  /** Unconfirmed updates, oldest first (what getUpdates returns and getWebhookInfo counts). */
  readonly updates: Update[] = [];
  webhook: WebhookState | undefined;
  allowedUpdates: string[] | undefined;
  /** When true, every sendMessage/editMessageText with a parse_mode answers 400 "can't parse entities". */
  rejectParseMode = false;
  readonly delays = new Map<string, number>();
  /** Files users sent (getFile and /file/bot<token>/<path>). */
  readonly files = new TelegramFiles();
  readonly blockedChats = new Set<number | string>();
  /** Messages by `${chatId}:${messageId}`, so replies and edits can refer to them. */
  readonly messages = new Map<string, Message>();
  readonly #faults = new Map<string, { remaining: number; error: TelegramErrorBody }[]>();
  readonly #lastMessageId = new Map<string, number>();
  readonly #chats = new Map<number, Message['chat']>();
  readonly #changed = new Signal();
  #nextUpdateId = 100_000_001;
  #poller: Poller | undefined;
  #listening: Listening | undefined;
  #offlineAt: ListenOptions | undefined;

  constructor(options: FakeTelegramOptions = {}) {
    this.tokens = new Set(options.tokens ?? [FAKE_TELEGRAM_TOKEN]);
  }

  get url(): string {
    if (!this.#listening) throw new Error('FakeTelegram is not started: call start() first');
    return this.#listening.url;
  }

  /** Number of updates not yet confirmed by getUpdates' offset or a successful webhook delivery. */
  get pendingUpdates(): number {
    return this.updates.length;
  }

  async start(options: ListenOptions = {}): Promise<{ url: string }> {
    this.#listening = await listen((req, res) => void this.#handle(req, res), options);
    return { url: this.#listening.url };
  }

  async close(): Promise<void> {
    if (this.#poller) this.#finishPoll([]);
    await this.#listening?.close();
    this.#listening = undefined;
  }

  /**
   * A network outage as the bot sees it: stops listening (new connections are refused, open ones are cut, a held
   * long poll too) until online(), which listens again on the same address. Updates sent meanwhile wait here.
   */
  async offline(): Promise<void> {
    if (!this.#listening) throw new Error('FakeTelegram is not started: call start() first');
    const { address, port } = this.#listening.server.address() as { address: string; port: number };
    this.#offlineAt = { host: address, port };
    this.#poller = undefined;
    await this.#listening.close();
  }

  async online(): Promise<void> {
    if (!this.#offlineAt) throw new Error('FakeTelegram is not offline');
    this.#listening = await listen((req, res) => void this.#handle(req, res), this.#offlineAt);
    this.#offlineAt = undefined;
  }

  /** The bot user getMe answers for a token (its id is the token's numeric prefix, as on Telegram). */
  botFor(token: string): UserFromGetMe {
    return {
      id: Number(token.split(':')[0]) || 7000000001,
      is_bot: true,
      first_name: 'Mono Test Bot',
      username: 'mono_test_bot',
      can_join_groups: true,
      can_read_all_group_messages: false,
      supports_inline_queries: false,
      can_connect_to_business: false,
      has_main_web_app: false,
    } as UserFromGetMe;
  }

  // ---- test helpers -------------------------------------------------------------------------------

  /** Enqueues a realistic private-chat text message from a user and returns the update. */
  sendText(input: SendTextInput): Update {
    return this.sendMessage(input, { text: input.text, ...commandEntities(input.text) });
  }

  /** A photo as Telegram sends it: a small size and the image itself, with an optional caption. */
  sendPhoto(input: MediaInput & { bytes: Buffer; width?: number; height?: number }): Update {
    return this.sendMessage(input, media.photo(this.files, input));
  }

  /** A file sent as a document (its name and type are whatever the sender's app says). */
  sendDocument(
    input: MediaInput & { bytes?: Buffer; size?: number; fileName: string; mimeType?: string },
  ): Update {
    return this.sendMessage(input, media.document(this.files, input));
  }

  /** A voice note: Telegram stores them as voice/file_N.oga (Ogg Opus). */
  sendVoice(input: MediaInput & { bytes: Buffer; duration: number }): Update {
    return this.sendMessage(input, media.voice(this.files, input));
  }

  /** A video of `size` bytes (zeros: a video is refused before anyone reads it). */
  sendVideo(input: MediaInput & { size: number; duration?: number }): Update {
    return this.sendMessage(input, media.video(this.files, input));
  }

  /** A private-chat message from a user with the given content fields (text, photo, document…). */
  sendMessage(input: Omit<SendTextInput, 'text'>, content: Record<string, unknown>): Update {
    const from = {
      id: input.userId,
      is_bot: false,
      first_name: input.firstName ?? 'Tess',
      ...(input.lastName ? { last_name: input.lastName } : {}),
      ...(input.username ? { username: input.username } : {}),
      language_code: input.languageCode ?? 'en',
    };
    const chat =
      input.chatId > 0
        ? {
            id: input.chatId,
            type: 'private' as const,
            first_name: from.first_name,
            ...pick(from, 'last_name', 'username'),
          }
        : { id: input.chatId, type: 'group' as const, title: 'Test group' };
    this.#chats.set(input.chatId, chat as Message['chat']);
    const message = {
      message_id: this.nextMessageId(input.chatId),
      from,
      chat,
      date: Math.floor(Date.now() / 1000),
      ...content,
    } as Message;
    this.messages.set(`${input.chatId}:${message.message_id}`, message);
    return this.pushUpdate({ message });
  }

  /** Enqueues any update as is (malformed or unusual ones too); an update_id is added when missing. */
  pushUpdate(raw: Record<string, unknown>): Update {
    const update = { update_id: this.#nextUpdateId, ...raw } as Update;
    if (typeof update.update_id === 'number' && update.update_id >= this.#nextUpdateId) {
      this.#nextUpdateId = update.update_id + 1;
    }
    const kind = Object.keys(update).find((key) => key !== 'update_id');
    if (this.allowedUpdates?.length && kind && !this.allowedUpdates.includes(kind)) return update;
    this.updates.push(update);
    if (this.#poller) this.#finishPoll(this.updates.slice(0, this.#poller.limit));
    this.#changed.emit();
    return update;
  }

  /**
   * POSTs an update to the registered webhook like Telegram does (JSON body, secret header) and returns
   * the HTTP status. A 2xx confirms the update (it leaves the pending queue); anything else is recorded
   * as the webhook's last error. Network failures reject.
   */
  async deliverToWebhook(update: Update): Promise<number> {
    const webhook = this.webhook;
    if (!webhook) throw new Error('FakeTelegram has no webhook: the bot has not called setWebhook');
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (webhook.secret_token) headers['x-telegram-bot-api-secret-token'] = webhook.secret_token;
    let response: Response;
    try {
      response = await fetch(webhook.url, { method: 'POST', headers, body: JSON.stringify(update) });
      await response.arrayBuffer();
    } catch (error) {
      webhook.last_error_date = Math.floor(Date.now() / 1000);
      webhook.last_error_message = 'Connection refused';
      throw new Error(`webhook delivery to ${webhook.url} failed: ${(error as Error).cause ?? error}`);
    }
    if (response.status >= 200 && response.status < 300) {
      const index = this.updates.findIndex((u) => u.update_id === update.update_id);
      if (index >= 0) this.updates.splice(index, 1);
    } else {
      webhook.last_error_date = Math.floor(Date.now() / 1000);
      webhook.last_error_message = `Wrong response from the webhook: ${response.status} ${response.statusText}`;
    }
    this.#changed.emit();
    return response.status;
  }

  /** Delivers every pending update in order, stopping at the first one the webhook refuses. */
  async deliverPending(): Promise<number[]> {
    const statuses: number[] = [];
    for (const update of [...this.updates]) {
      const status = await this.deliverToWebhook(update);
      statuses.push(status);
      if (status < 200 || status >= 300) break;
    }
    return statuses;
  }

  /** Resolves with the first recorded call (past or future) that matches; rejects listing what was recorded. */
  waitFor(predicate: (call: TelegramCall) => boolean, { timeoutMs = 5000 } = {}): Promise<TelegramCall> {
    return waitUntil(
      () => this.calls.find(predicate),
      this.#changed.subscribe,
      timeoutMs,
      () =>
        `FakeTelegram.waitFor: no matching call within ${timeoutMs} ms. Recorded: ${this.describeCalls()}`,
    );
  }

  /** Resolves when at least `count` messages were sent (all of them, oldest first). */
  waitForSent(count: number, { timeoutMs = 5000 } = {}): Promise<SentMessage[]> {
    return waitUntil(
      () => (this.sent.length >= count ? this.sent.slice() : undefined),
      this.#changed.subscribe,
      timeoutMs,
      () =>
        `FakeTelegram.waitForSent: ${this.sent.length} of ${count} messages sent within ${timeoutMs} ms. Recorded: ${this.describeCalls()}`,
    );
  }

  /**
   * Lets a message arrive (`send`) and resolves to the text of the first message sent to `chatId` among those sent
   * once at least one more went out ('' when the next went to another chat).
   */
  async replyTo(chatId: number, send: () => void, { timeoutMs = 15_000 } = {}): Promise<string> {
    const before = this.sent.length;
    send();
    const sent = await this.waitForSent(before + 1, { timeoutMs });
    return sent.slice(before).find((s) => String(s.chat_id) === String(chatId))?.text ?? '';
  }

  describeCalls(): string {
    if (this.calls.length === 0) return '(no calls)';
    return this.calls
      .map((c) => `${c.method}${c.status ? `→${c.status}` : ''} ${JSON.stringify(c.params).slice(0, 160)}`)
      .join('; ');
  }

  // ---- faults ---------------------------------------------------------------------------------------

  /** The next `count` calls of `method` answer 429 "Too Many Requests: retry after X". */
  failNext(method: string, count = 1, { retryAfter = 1 } = {}): void {
    this.failNextWith(method, count, {
      error_code: 429,
      description: `Too Many Requests: retry after ${retryAfter}`,
      parameters: { retry_after: retryAfter },
    });
  }

  /** The next `count` calls of `method` answer the given Bot API error. */
  failNextWith(method: string, count: number, error: TelegramErrorBody): void {
    const key = canonicalMethod(method) ?? method;
    const list = this.#faults.get(key) ?? [];
    list.push({ remaining: count, error });
    this.#faults.set(key, list);
  }

  /** Every call of `method` waits `ms` before being answered (0 removes the delay). */
  setDelay(method: string, ms: number): void {
    const key = canonicalMethod(method) ?? method;
    if (ms > 0) this.delays.set(key, ms);
    else this.delays.delete(key);
  }

  /** Sending to this chat answers 403 "Forbidden: bot was blocked by the user". */
  blockChat(chatId: number | string): void {
    this.blockedChats.add(chatId);
  }

  /** Forgets recorded calls and sent messages; pending updates, webhook and faults stay. */
  clearRecords(): void {
    this.calls.length = 0;
    this.sent.length = 0;
  }

  clearFaults(): void {
    this.#faults.clear();
    this.delays.clear();
    this.blockedChats.clear();
    this.rejectParseMode = false;
  }

  // ---- internals used by telegram-methods.ts --------------------------------------------------------

  nextMessageId(chatId: number | string): number {
    const next = (this.#lastMessageId.get(String(chatId)) ?? 0) + 1;
    this.#lastMessageId.set(String(chatId), next);
    return next;
  }

  chatFor(chatId: number | string): Message['chat'] {
    const known = typeof chatId === 'number' ? this.#chats.get(chatId) : undefined;
    if (known) return known;
    if (typeof chatId === 'string')
      return { id: -1001000000001, type: 'channel', title: chatId } as Message['chat'];
    return (
      chatId > 0
        ? { id: chatId, type: 'private', first_name: 'Tess' }
        : { id: chatId, type: 'group', title: 'Test group' }
    ) as Message['chat'];
  }

  recordSent(entry: SentMessage): void {
    this.sent.push(entry);
  }

  /** getUpdates: answers at once when updates are pending, otherwise holds the request (long polling). */
  poll(res: ServerResponse, call: TelegramCall, limit: number, timeoutS: number, signal: AbortSignal): void {
    if (this.#poller) {
      this.#answer(this.#poller.res, this.#poller.call, 409, {
        ok: false,
        error_code: 409,
        description:
          'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running',
      });
      clearTimeout(this.#poller.timer);
      this.#poller = undefined;
    }
    if (this.updates.length > 0 || timeoutS <= 0) {
      this.#answer(res, call, 200, { ok: true, result: this.updates.slice(0, limit) });
      return;
    }
    const timer = setTimeout(() => this.#finishPoll([]), timeoutS * 1000);
    const poller: Poller = { res, call, limit, timer };
    this.#poller = poller;
    signal.addEventListener('abort', () => {
      if (this.#poller !== poller) return;
      clearTimeout(timer);
      this.#poller = undefined;
      call.status = 499;
      this.#changed.emit();
    });
  }

  /** Ends a held long poll, e.g. because setWebhook was called meanwhile. */
  terminatePoll(description: string): void {
    const poller = this.#poller;
    if (!poller) return;
    this.#poller = undefined;
    clearTimeout(poller.timer);
    this.#answer(poller.res, poller.call, 409, { ok: false, error_code: 409, description });
  }

  dropPendingUpdates(): void {
    this.updates.length = 0;
  }

  #finishPoll(updates: Update[]): void {
    const poller = this.#poller;
    if (!poller) return;
    this.#poller = undefined;
    clearTimeout(poller.timer);
    this.#answer(poller.res, poller.call, 200, { ok: true, result: updates });
  }

  #answer(res: ServerResponse, call: TelegramCall | undefined, status: number, body: unknown): void {
    if (call) {
      call.status = status;
      call.response = body;
    }
    const headers: Record<string, string> = {};
    const retryAfter = (body as { parameters?: { retry_after?: number } }).parameters?.retry_after;
    if (status === 429 && retryAfter) headers['retry-after'] = String(retryAfter);
    sendJson(res, status, body, headers);
    this.#changed.emit();
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', 'http://fake.invalid');
      if (url.pathname.startsWith('/__fake/') && this.control) {
        const body = await readBody(req);
        return await this.control(url, body, res);
      }
      const file = /^\/file\/bot([^/]+)\/(.+)$/.exec(url.pathname);
      if (file) {
        if (!this.tokens.has(decodeURIComponent(file[1]!)))
          return this.#answer(res, undefined, 404, notFound());
        return await this.files.serve(decodeURIComponent(file[2]!), req, res);
      }
      const match = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(url.pathname);
      if (!match) return this.#answer(res, undefined, 404, notFound());
      const token = decodeURIComponent(match[1]!);
      if (!this.tokens.has(token)) {
        return this.#answer(res, undefined, 401, { ok: false, error_code: 401, description: 'Unauthorized' });
      }
      const method = canonicalMethod(match[2]!);
      if (!method) return this.#answer(res, undefined, 404, notFound());
      const body = await readBody(req);
      let params: Params;
      try {
        params = await parseParams(url, req.headers['content-type'], body);
      } catch (error) {
        if (!(error instanceof BadParamsError)) throw error;
        return this.#answer(res, undefined, 400, { ok: false, error_code: 400, description: error.message });
      }
      const call: TelegramCall = { method, params, token, time: preciseNow() };
      this.calls.push(call);
      this.#changed.emit();
      const signal = clientGone(req, res);
      await sleep(this.delays.get(method) ?? 0, signal);
      if (signal.aborted) return;
      const fault = this.#takeFault(method);
      if (fault) return this.#answer(res, call, fault.error_code, { ok: false, ...fault });
      const result: MethodResult = runMethod(this, method, params, token, call);
      if (result.kind === 'poll') return this.poll(res, call, result.limit, result.timeout, signal);
      if (result.kind === 'error') {
        return this.#answer(res, call, result.error.error_code, { ok: false, ...result.error });
      }
      return this.#answer(res, call, 200, {
        ok: true,
        result: result.result,
        ...(result.description ? { description: result.description } : {}),
      });
    } catch (error) {
      sendJson(res, 500, {
        ok: false,
        error_code: 500,
        description: `Internal Server Error: ${(error as Error).message}`,
      });
    }
  }

  #takeFault(method: string): TelegramErrorBody | undefined {
    const list = this.#faults.get(method);
    const fault = list?.[0];
    if (!list || !fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) list.shift();
    return fault.error;
  }
}

function notFound() {
  return { ok: false, error_code: 404, description: 'Not Found' };
}

function pick<T extends object>(obj: T, ...keys: string[]): Partial<T> {
  return Object.fromEntries(Object.entries(obj).filter(([key]) => keys.includes(key))) as Partial<T>;
}

/** Telegram marks a leading /command with a bot_command entity; agents often route on it. */
function commandEntities(text: string): {
  entities?: { type: 'bot_command'; offset: number; length: number }[];
} {
  const command = /^\/[A-Za-z0-9_]+(@[A-Za-z0-9_]+)?/.exec(text);
  return command ? { entities: [{ type: 'bot_command', offset: 0, length: command[0].length }] } : {};
}
