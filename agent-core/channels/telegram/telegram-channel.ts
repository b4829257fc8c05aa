// Telegram through the Bot API (grammY's API client): long polling by default, or a webhook with a secret.
// Updates are stored before they are acknowledged: the polling offset only moves past an update once
// `receive` resolved, and the webhook answers 200 only then. (@grammyjs/runner confirms updates when it
// fetches them, which would lose them in a crash — hence this small loop.)
// grammY is loaded on the first API call, not at start: a webhook-mode agent that has not answered anyone yet
// never needs it (~5 MB of memory, ~10 ms of start-up with its `debug` dependency).
import { setMaxListeners } from 'node:events';
import type { Api } from 'grammy';
import type { ChannelState } from '../../contract/tables.ts';
import { neverConnected } from '../../health/network-errors.ts';
import type { Logger } from '../../log/logger.ts';
import type { MediaSource } from '../../media/attachments.ts';
import { constantTimeEqual } from '../../security/constant-time.ts';
import { backoffDelay } from '../../util/backoff.ts';
import { commonJs } from '../../util/commonjs.ts';
import { errorMessage } from '../../util/error-message.ts';
import { sleep } from '../../util/sleep.ts';
import {
  type Channel,
  ChannelSendError,
  type FetchedMedia,
  InboundRefusedError,
  type Receive,
} from '../channel.ts';
import type { TelegramConfig } from './config.ts';
import { markdownToTelegramHtml } from './format.ts';
import { fetchTelegramFile } from './media.ts';
import { parseUpdate } from './updates.ts';

const POLL_TIMEOUT_S = 25;
/** How long a webhook delivery waits for a starting channel before it is told to retry (Telegram retries). */
const STARTING_WAIT_MS = 30_000;
// grammY types its signal parameter with an AbortSignal polyfill; Node's own is what it gets at run time.
type GrammySignal = Parameters<Api['getUpdates']>[1];
const POLL_BACKOFF = { baseMs: 1000, capMs: 30_000 };
// The calls MONO retries itself: sends wait for Telegram through the turn runner (which knows whether a message
// may have gone out), polling and the webhook's registration have their own loops (retried inside, a refused or
// unreachable Telegram would stay hidden for minutes instead of showing in the channel's state at once), and a
// typing indicator is not worth waiting for.
const RETRIED_BY_MONO = new Set([
  'sendMessage',
  'getUpdates',
  'sendChatAction',
  'deleteWebhook',
  'setWebhook',
]);

export class TelegramChannel implements Channel {
  readonly name = 'telegram' as const;
  // Telegram's limit is 4096 characters; the HTML tags added by formatting need some room.
  readonly maxMessageLength = 4000;
  #api: Promise<Api> | undefined;
  #receive: Receive | undefined;
  #state: { state: ChannelState; detail?: string } = { state: 'off' };
  #polling: Promise<void> | undefined;
  /** Resolves once start() has a receiver: a webhook call that arrives while the agent starts waits for it. */
  #started: () => void = () => {};
  readonly #ready = new Promise<void>((resolve) => {
    this.#started = resolve;
  });
  readonly #stop = new AbortController();
  readonly #signal = this.#stop.signal as unknown as GrammySignal;
  /** Called whenever state() changes, so the desktop sees a refused token at once. */
  onStateChange: (() => void) | undefined;

  constructor(
    private readonly config: TelegramConfig,
    private readonly log: Logger,
  ) {
    // Every typing indicator in flight listens for shutdown; a thousand busy chats are normal.
    setMaxListeners(0, this.#stop.signal);
  }

  /** The Bot API client, made on first use. */
  api(): Promise<Api> {
    this.#api ??= Promise.all([import('grammy'), import('@grammyjs/auto-retry')]).then(
      ([grammyModule, autoRetryModule]) => {
        const grammy = commonJs(grammyModule);
        const { autoRetry } = commonJs(autoRetryModule);
        grammyErrors = grammy;
        const api = new grammy.Api(this.config.token.reveal(), { apiRoot: this.config.apiRoot });
        // Other calls (webhook set-up at start): Telegram's 429 says how long to wait (retry_after); 5xx are retried
        // too. Network errors are not: the plugin would retry them forever, doubling its delay up to an hour.
        const retrying = autoRetry({ maxRetryAttempts: 5, maxDelaySeconds: 120, rethrowHttpErrors: true });
        api.config.use((prev, method, payload, signal) =>
          RETRIED_BY_MONO.has(method)
            ? prev(method, payload, signal)
            : retrying(prev, method, payload, signal),
        );
        return api;
      },
    );
    return this.#api;
  }

  get mode(): 'webhook' | 'polling' {
    return this.config.webhookSecret ? 'webhook' : 'polling';
  }

  state() {
    return this.#state;
  }

  #setState(next: { state: ChannelState; detail?: string }): void {
    const changed = next.state !== this.#state.state || next.detail !== this.#state.detail;
    this.#state = next;
    if (changed) this.onStateChange?.();
  }

  async start(receive: Receive): Promise<void> {
    this.#receive = receive;
    this.#started();
    if (this.mode === 'webhook') {
      this.#setState({ state: 'webhook' });
      // Registered in the background: deliveries (to the address Telegram already has) are taken meanwhile, and a
      // token Telegram refuses, or no network, must not keep the agent down: it says so and keeps trying.
      const url = this.config.webhookUrl;
      if (url) this.#polling = this.#setWebhook(url).then((ok) => (ok ? undefined : this.#retryWebhook(url)));
      return;
    }
    this.#setState({ state: 'polling' });
    // The loop handles every API failure itself; anything else would end polling: say so, do not hide it.
    this.#polling = this.#poll().catch((error: unknown) => {
      this.#setState({ state: 'error', detail: describe(error) });
      this.log.error({ err: error }, 'telegram polling stopped');
    });
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#polling;
  }

  /** POST /telegram: checks the secret header, stores the update, then answers 200 so Telegram stops retrying. */
  async handleWebhook(
    secretHeader: string | undefined,
    body: string,
  ): Promise<{ status: number; body: string }> {
    if (!this.config.webhookSecret) return { status: 404, body: 'telegram webhook is off' };
    if (!secretHeader || !constantTimeEqual(secretHeader, this.config.webhookSecret.reveal())) {
      this.log.warn('telegram webhook call with a wrong or missing secret token');
      return { status: 401, body: 'wrong secret token' };
    }
    if (!this.#receive) {
      // With socket activation the port is served before the channels start (an update restarts the agent
      // behind a held socket): the delivery waits for the channel rather than being refused.
      const waited = new AbortController();
      await Promise.race([this.#ready, sleep(STARTING_WAIT_MS, waited.signal)]);
      waited.abort();
      if (!this.#receive) return { status: 503, body: 'the agent is starting; retry' };
    }
    let update: unknown;
    try {
      update = JSON.parse(body);
    } catch {
      return { status: 400, body: 'body is not JSON' };
    }
    const parsed = parseUpdate(update);
    if (parsed.kind === 'invalid') {
      this.log.warn({ reason: parsed.reason }, 'malformed telegram update refused');
      return { status: 400, body: `not a valid update: ${parsed.reason}` };
    }
    if (parsed.kind === 'message') await this.#receive(parsed.message);
    return { status: 200, body: 'ok' };
  }

  /** Registers the webhook once; false (with the state saying why) when Telegram refused or was out of reach. */
  async #setWebhook(url: string): Promise<boolean> {
    try {
      await (await this.api()).setWebhook(
        url,
        { secret_token: this.config.webhookSecret!.reveal(), allowed_updates: ['message'] },
        this.#signal,
      );
      this.#setState({ state: 'webhook' });
      this.log.info({ url }, 'telegram webhook registered');
      return true;
    } catch (error) {
      if (this.#stop.signal.aborted) return true;
      this.#setState(stateOf(error));
      this.log.warn({ reason: this.#state.detail }, 'telegram webhook not registered; retrying');
      return false;
    }
  }

  async #retryWebhook(url: string): Promise<void> {
    for (let failures = 1; !this.#stop.signal.aborted; failures++) {
      await sleep(backoffDelay(failures - 1, POLL_BACKOFF), this.#stop.signal);
      if (this.#stop.signal.aborted || (await this.#setWebhook(url))) return;
    }
  }

  async send(chatId: string, text: string): Promise<string> {
    try {
      const api = await this.api();
      const sent = await api.sendMessage(chatId, markdownToTelegramHtml(text), { parse_mode: 'HTML' });
      return String(sent.message_id);
    } catch (error) {
      if (
        isGrammyError(error) &&
        error.error_code === 400 &&
        /parse entities|too long/i.test(error.description)
      ) {
        // Formatting Telegram would not take: the words matter more than the bold.
        return this.#sendPlain(chatId, text);
      }
      if (isRejected(error)) this.#setState(stateOf(error));
      throw toSendError(error);
    }
  }

  async typing(chatId: string): Promise<void> {
    await (await this.api()).sendChatAction(chatId, 'typing', undefined, this.#signal);
  }

  async fetchMedia(
    source: MediaSource,
    options: { maxBytes: number; signal?: AbortSignal },
  ): Promise<FetchedMedia> {
    return fetchTelegramFile(await this.api(), this.config, source, options);
  }

  async #sendPlain(chatId: string, text: string): Promise<string> {
    try {
      const sent = await (await this.api()).sendMessage(chatId, text);
      return String(sent.message_id);
    } catch (error) {
      throw toSendError(error);
    }
  }

  /** Deletes the bot's webhook (keeping the updates Telegram holds); false when that failed too. */
  async #clearWebhook(api: Api): Promise<boolean> {
    try {
      await api.deleteWebhook({ drop_pending_updates: false }, this.#signal);
      this.log.info('a telegram webhook was set (another setup?): deleted it to poll for updates');
      return true;
    } catch (error) {
      if (!this.#stop.signal.aborted)
        this.log.warn({ reason: describe(error) }, 'could not clear the telegram webhook');
      return false;
    }
  }

  async #poll(): Promise<void> {
    let offset: number | undefined;
    let failures = 0;
    let webhookCleared = false;
    const api = await this.api();
    while (!this.#stop.signal.aborted) {
      try {
        const updates = await api.getUpdates(
          {
            timeout: POLL_TIMEOUT_S,
            allowed_updates: ['message'],
            ...(offset !== undefined ? { offset } : {}),
          },
          this.#signal,
        );
        for (const update of updates) {
          const parsed = parseUpdate(update);
          // Refused (disk nearly full): the offset stays before this update, so Telegram keeps it for later.
          if (parsed.kind === 'message') await this.#receive!(parsed.message);
          else this.log.debug({ reason: parsed.reason }, 'telegram update skipped');
          // Only now is the update confirmed: the next getUpdates carries an offset past it.
          const id = (update as { update_id?: number }).update_id;
          if (typeof id === 'number') offset = id + 1;
        }
        if (failures > 0) this.log.info('telegram polling recovered');
        failures = 0;
        this.#setState({ state: 'polling' });
      } catch (error) {
        if (this.#stop.signal.aborted) break;
        // A webhook left over from another setup makes getUpdates fail with 409 until it is deleted. Deleted when
        // Telegram says so, not before every start (a round trip each restart); once per start, so this agent
        // does not fight another one that keeps setting it. A delete that failed is tried again at the next 409,
        // after the usual backoff.
        if (!webhookCleared && webhookActive(error)) {
          webhookCleared = await this.#clearWebhook(api);
          if (webhookCleared) continue;
        }
        if (error instanceof InboundRefusedError) {
          this.#setState({ state: 'polling', detail: `paused: ${error.message}` });
          await sleep(error.retryAfterMs, this.#stop.signal);
          continue;
        }
        failures++;
        this.#setState(stateOf(error));
        if (this.#state.state === 'rejected') {
          this.log.error(
            'Telegram refused the bot token (401 Unauthorized): check TELEGRAM_BOT_TOKEN with @BotFather',
          );
        } else {
          this.log.warn({ reason: this.#state.detail, failures }, 'telegram polling failed; retrying');
        }
        // Jittered: after an outage, many agents (and this one's other loops) do not all come back at once.
        await sleep(backoffDelay(failures - 1, POLL_BACKOFF), this.#stop.signal);
      }
    }
    this.#setState({ state: 'off' });
  }
}

/** Telegram refuses getUpdates while a webhook is set: 409 "can't use getUpdates method while webhook is active". */
function webhookActive(error: unknown): boolean {
  return isGrammyError(error) && error.error_code === 409 && /webhook is active/i.test(error.description);
}

// grammY's error classes, once it is loaded. Every API error comes after the load, so they are set by then.
let grammyErrors: Pick<typeof import('grammy'), 'GrammyError' | 'HttpError'> | undefined;

function isGrammyError(error: unknown): error is import('grammy').GrammyError {
  return grammyErrors !== undefined && error instanceof grammyErrors.GrammyError;
}

function isHttpError(error: unknown): error is import('grammy').HttpError {
  return grammyErrors !== undefined && error instanceof grammyErrors.HttpError;
}

/** 401 (revoked token) and 404 (a token Telegram does not know at all) mean the token itself is refused. */
function isRejected(error: unknown): boolean {
  return isGrammyError(error) && (error.error_code === 401 || error.error_code === 404);
}

/** What a failed API call says about the channel: the token refused, Telegram out of reach, or another error. */
function stateOf(error: unknown): { state: ChannelState; detail: string } {
  if (isRejected(error))
    return { state: 'rejected', detail: `Telegram refused the bot token (${describe(error)})` };
  if (isHttpError(error)) return { state: 'unreachable', detail: describe(error) };
  return { state: 'error', detail: describe(error) };
}

function toSendError(error: unknown): ChannelSendError {
  if (isGrammyError(error)) {
    // 400 chat not found, 403 blocked by the user: retrying cannot help. Any answer means it was not sent.
    const permanent = error.error_code === 400 || error.error_code === 403;
    const retryAfter = error.parameters?.retry_after;
    return new ChannelSendError('telegram', `Telegram refused the message: ${error.description}`, permanent, {
      notSent: true,
      ...(typeof retryAfter === 'number' ? { retryAfterMs: retryAfter * 1000 } : {}),
    });
  }
  return new ChannelSendError('telegram', `Telegram could not be reached: ${describe(error)}`, false, {
    unreachable: true,
    notSent: neverConnected(error),
  });
}

function describe(error: unknown): string {
  if (isGrammyError(error)) return `${error.error_code} ${error.description}`;
  // HttpError messages can contain the request URL, which contains the bot token.
  if (isHttpError(error))
    return `network error calling Telegram (${(error.error as Error)?.name ?? 'error'})`;
  return errorMessage(error);
}
