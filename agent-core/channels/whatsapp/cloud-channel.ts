// WhatsApp through the official Cloud API: Meta delivers messages to POST /whatsapp (signed with the app
// secret), the agent answers through the Graph API. A webhook is stored before it is answered 200; Meta
// redelivers otherwise, and the message id deduplicates what arrives twice.
import type { ChannelState } from '../../contract/tables.ts';
import type { Logger } from '../../log/logger.ts';
import type { MediaSource } from '../../media/attachments.ts';
import { constantTimeEqual } from '../../security/constant-time.ts';
import { BoundedMap } from '../../util/bounded-map.ts';
import { errorMessage } from '../../util/error-message.ts';
import {
  type Channel,
  ChannelSendError,
  type FetchedMedia,
  MediaFetchError,
  type Receive,
} from '../channel.ts';
import type { WhatsAppCloudConfig } from './config.ts';
import { markdownToWhatsApp } from './format.ts';
import { GraphClient } from './graph-client.ts';
import { classifyGraphError, GraphApiError, isRateLimit } from './graph-errors.ts';
import { verifySignature } from './signature.ts';
import { type DeliveryStatus, parseWebhook } from './webhook.ts';

/** The typing indicator lasts 25 s or until the reply: refreshing it more often only costs requests. */
const TYPING_REFRESH_MS = 20_000;
/** Chats whose last message and typing time are remembered (least recently heard from forgotten first). */
const CHATS_REMEMBERED = 5000;

export interface WebhookResult {
  status: number;
  body: string;
}

/** Told about a reply WhatsApp could not deliver after accepting it (a failed status webhook). */
export type DeliveryFailure = (messageId: string, reason: string) => Promise<void>;

export class WhatsAppCloudChannel implements Channel {
  readonly name = 'whatsapp' as const;
  readonly maxMessageLength = 4096;
  readonly graph: GraphClient;
  #receive: Receive | undefined;
  #state: { state: ChannelState; detail?: string } = { state: 'off' };
  /** The latest inbound wamid per chat: WhatsApp's typing indicator is attached to a received message. */
  // Both bounded: a number that hears from thousands of people over months must not grow the process; a chat
  // forgotten only misses its typing indicator.
  readonly #lastInbound = new BoundedMap<string, string>(CHATS_REMEMBERED);
  readonly #typingAt = new BoundedMap<string, number>(CHATS_REMEMBERED);
  onDeliveryFailure: DeliveryFailure | undefined;
  /** Called whenever state() changes, so the desktop sees a broken token at once. */
  onStateChange: (() => void) | undefined;

  constructor(
    private readonly config: WhatsAppCloudConfig,
    private readonly log: Logger,
    fetchImpl?: typeof fetch,
  ) {
    this.graph = new GraphClient({
      graphUrl: config.graphUrl,
      phoneNumberId: config.phoneNumberId,
      token: config.token,
      ...(fetchImpl ? { fetch: fetchImpl } : {}),
    });
  }

  state() {
    return this.#state;
  }

  async start(receive: Receive): Promise<void> {
    this.#receive = receive;
    this.#setState({ state: 'webhook' });
    // A bad token or number id shows in the status at once instead of at the first reply (never blocks start).
    void this.graph
      .phoneNumber()
      .then((number) => {
        this.#setState({ state: 'webhook' });
        this.log.info(
          { number: number.display_phone_number, name: number.verified_name },
          'whatsapp cloud api ready',
        );
      })
      .catch((error) => this.#recordError(error));
  }

  async stop(): Promise<void> {
    this.#receive = undefined;
  }

  /** GET /whatsapp: Meta's subscription check echoes hub.challenge when the verify token matches. */
  verify(query: Record<string, string | undefined>): WebhookResult {
    const token = query['hub.verify_token'];
    if (
      query['hub.mode'] !== 'subscribe' ||
      !token ||
      !constantTimeEqual(token, this.config.verifyToken.reveal()) ||
      typeof query['hub.challenge'] !== 'string'
    ) {
      this.log.warn('whatsapp webhook verification with a wrong verify token');
      return { status: 403, body: 'verification failed' };
    }
    this.log.info('whatsapp webhook verified by Meta');
    return { status: 200, body: query['hub.challenge'] };
  }

  /** POST /whatsapp: the signature over the raw bytes first, then store every message, then 200. */
  async handleWebhook(raw: Uint8Array, signature: string | undefined): Promise<WebhookResult> {
    if (!verifySignature(raw, signature, this.config.appSecret.reveal())) {
      this.log.warn('whatsapp webhook with a missing or wrong X-Hub-Signature-256 refused');
      return { status: 401, body: 'invalid signature' };
    }
    const receive = this.#receive;
    if (!receive) return { status: 503, body: 'not ready' };
    let payload: unknown;
    try {
      payload = JSON.parse(new TextDecoder().decode(raw));
    } catch {
      return { status: 400, body: 'body is not JSON' };
    }
    const parsed = parseWebhook(payload, this.config.phoneNumberId);
    if (!parsed.ok) {
      this.log.warn({ reason: parsed.reason }, 'malformed whatsapp webhook refused');
      return { status: 400, body: parsed.reason };
    }
    const { messages, statuses, errors, skipped } = parsed.value;
    for (const message of messages) {
      await receive(message);
      this.#lastInbound.set(message.chatId, message.messageId);
    }
    if (skipped.length > 0) this.log.debug({ skipped }, 'whatsapp webhook items skipped');
    for (const error of errors) {
      this.#recordError(
        new GraphApiError(
          200,
          error.code,
          undefined,
          error.title,
          error.details,
          classifyGraphError(200, error.code, error.details),
        ),
      );
    }
    // Acknowledge now; read receipts and status bookkeeping happen after the 200.
    setImmediate(() => {
      for (const message of messages) {
        void this.graph.markRead(message.messageId).catch((error) => this.#receiptFailed(error));
      }
      for (const status of statuses) void this.#onStatus(status);
    });
    return { status: 200, body: 'ok' };
  }

  async send(chatId: string, text: string): Promise<string> {
    try {
      const id = await this.graph.sendText(chatId, markdownToWhatsApp(text));
      if (this.#state.state !== 'webhook') this.#setState({ state: 'webhook' });
      this.#typingAt.delete(chatId);
      return id;
    } catch (error) {
      this.#recordError(error);
      // Status 0: no answer from Meta (the request may or may not have arrived); any answer means not sent.
      if (error instanceof GraphApiError)
        throw new ChannelSendError('whatsapp', error.message, error.info.permanent, {
          unreachable: error.status === 0,
          notSent: error.status !== 0,
          throttled: isRateLimit(error.code),
        });
      throw new ChannelSendError('whatsapp', `WhatsApp could not be reached: ${String(error)}`, false, {
        unreachable: true,
      });
    }
  }

  async fetchMedia(
    source: MediaSource,
    options: { maxBytes: number; signal?: AbortSignal },
  ): Promise<FetchedMedia> {
    if (typeof source.media_id !== 'string')
      throw new MediaFetchError('this message has no WhatsApp media id');
    return this.graph.media(source.media_id, options.maxBytes, options.signal);
  }

  async typing(chatId: string): Promise<void> {
    const last = this.#lastInbound.get(chatId);
    const at = this.#typingAt.get(chatId) ?? 0;
    if (!last || Date.now() - at < TYPING_REFRESH_MS) return;
    this.#typingAt.set(chatId, Date.now());
    await this.graph.markRead(last, true).catch((error) => this.#receiptFailed(error));
  }

  async #onStatus(status: DeliveryStatus): Promise<void> {
    if (status.status !== 'failed') return;
    const first = status.errors[0];
    const info = classifyGraphError(200, first?.code, first?.details, status.recipient);
    this.log.warn(
      { message: status.messageId, code: first?.code, reason: info.reason },
      'whatsapp delivery failed',
    );
    this.#setState({ state: info.channelWide ? 'error' : this.#state.state, detail: info.reason });
    try {
      await this.onDeliveryFailure?.(status.messageId, info.reason);
    } catch (error) {
      this.log.warn({ err: error }, 'could not record a failed whatsapp delivery');
    }
  }

  #setState(next: { state: ChannelState; detail?: string }): void {
    const changed = next.state !== this.#state.state || next.detail !== this.#state.detail;
    this.#state = next;
    if (changed) this.onStateChange?.();
  }

  /** Blue ticks are a courtesy: only a channel-wide problem (token, account) is worth the owner's attention. */
  #receiptFailed(error: unknown): void {
    if (error instanceof GraphApiError && error.info.channelWide) this.#recordError(error);
    else this.log.debug({ reason: errorMessage(error) }, 'whatsapp read receipt failed');
  }

  #recordError(error: unknown): void {
    if (error instanceof GraphApiError) {
      this.log.warn(
        { status: error.status, code: error.code, reason: error.message },
        'whatsapp graph api error',
      );
      // Per-recipient problems stay in the detail; channel-wide ones (token, account) mark the channel broken.
      this.#setState({ state: channelStateOf(error) ?? this.#state.state, detail: error.message });
    } else {
      this.log.warn({ err: error }, 'whatsapp graph api call failed');
    }
  }
}

/** A refused token (401, Graph error 190), Graph out of reach, or another channel-wide error; undefined otherwise. */
function channelStateOf(error: GraphApiError): ChannelState | undefined {
  if (error.status === 401 || error.code === 190) return 'rejected';
  if (error.status === 0) return 'unreachable';
  return error.info.channelWide ? 'error' : undefined;
}
