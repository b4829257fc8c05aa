// A small client for the few Graph API calls MONO makes: send a text, mark a message read (with "typing…"),
// look up the phone number at start, and fetch a file a message carried. Errors become GraphApiError with an
// actionable reason.
import type { Secret } from '../../config/secret.ts';
import { MediaFetchError } from '../channel.ts';
import { classifyGraphError, GraphApiError } from './graph-errors.ts';

const TIMEOUT_MS = 20_000;
const DOWNLOAD_TIMEOUT_MS = 120_000;

export interface GraphClientOptions {
  graphUrl: string;
  phoneNumberId: string;
  token: Secret;
  fetch?: typeof fetch;
}

export class GraphClient {
  readonly #fetch: typeof fetch;

  constructor(private readonly options: GraphClientOptions) {
    this.#fetch = options.fetch ?? fetch;
  }

  /** Sends a text; resolves to the new message's wamid. */
  async sendText(to: string, body: string): Promise<string> {
    const result = await this.#call<{ messages?: { id?: string }[] }>(
      'POST',
      `${this.options.phoneNumberId}/messages`,
      {
        messaging_product: 'whatsapp',
        recipient_type: 'individual',
        to,
        type: 'text',
        text: { body, preview_url: false },
      },
      to,
    );
    const id = result.messages?.[0]?.id;
    if (!id) throw new GraphApiError(200, undefined, undefined, 'no message id', undefined, noId());
    return id;
  }

  /** Blue ticks for a received message; with `typing` also shows "typing…" for up to 25 s. */
  async markRead(messageId: string, typing = false): Promise<void> {
    await this.#call('POST', `${this.options.phoneNumberId}/messages`, {
      messaging_product: 'whatsapp',
      status: 'read',
      message_id: messageId,
      ...(typing ? { typing_indicator: { type: 'text' } } : {}),
    });
  }

  /** The number's display name and phone: a cheap check that the token and number id work. */
  async phoneNumber(): Promise<{ display_phone_number?: string; verified_name?: string }> {
    return this.#call('GET', `${this.options.phoneNumberId}?fields=display_phone_number,verified_name`);
  }

  /**
   * A received file: GET /{media-id} says where it is (a short-lived URL) and how big, then that URL is read
   * with the same bearer token. The token only ever goes to a URL Graph gave, over https (or to the Graph
   * host itself, which tests run on plain http).
   */
  async media(
    mediaId: string,
    maxBytes: number,
    signal?: AbortSignal,
  ): Promise<{ body: AsyncIterable<Uint8Array>; size?: number }> {
    let info: { url?: unknown; file_size?: unknown };
    try {
      info = await this.#call(
        'GET',
        `${encodeURIComponent(mediaId)}?phone_number_id=${this.options.phoneNumberId}`,
      );
    } catch (error) {
      if (error instanceof GraphApiError && (error.code === 100 || error.status === 404)) {
        throw new MediaFetchError('WhatsApp no longer has this file', true);
      }
      throw new MediaFetchError(error instanceof Error ? error.message : String(error));
    }
    const size = typeof info.file_size === 'number' ? info.file_size : Number(info.file_size);
    if (Number.isFinite(size) && size > maxBytes)
      throw new MediaFetchError('the file is larger than the limit', false, true);
    if (typeof info.url !== 'string' || !this.#mayReceiveToken(info.url)) {
      throw new MediaFetchError('WhatsApp gave no usable download address for this file');
    }
    let response: Response;
    try {
      response = await this.#fetch(info.url, {
        headers: { authorization: `Bearer ${this.options.token.reveal()}` },
        signal: signal
          ? AbortSignal.any([signal, AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS)])
          : AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS),
      });
    } catch (error) {
      throw new MediaFetchError(
        `WhatsApp's media server could not be reached (${(error as Error)?.name ?? 'error'})`,
      );
    }
    if (!response.ok || !response.body) {
      await response.body?.cancel().catch(() => {});
      throw new MediaFetchError(
        `WhatsApp's media server answered ${response.status}`,
        response.status === 404,
      );
    }
    return {
      body: response.body as AsyncIterable<Uint8Array>,
      ...(Number.isFinite(size) && size > 0 ? { size } : {}),
    };
  }

  #mayReceiveToken(url: string): boolean {
    try {
      const target = new URL(url);
      const graph = new URL(this.options.graphUrl);
      return target.protocol === 'https:' || target.host === graph.host;
    } catch {
      return false;
    }
  }

  async #call<T>(method: 'GET' | 'POST', path: string, body?: unknown, recipient?: string): Promise<T> {
    let response: Response;
    try {
      response = await this.#fetch(`${this.options.graphUrl}/${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.options.token.reveal()}`,
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        ...(body ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (error) {
      const name = (error as Error)?.name ?? 'error';
      throw new GraphApiError(0, undefined, undefined, name, undefined, {
        reason: `The WhatsApp Graph API could not be reached (${name}); MONO retries.`,
        permanent: false,
        channelWide: true,
      });
    }
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (response.ok && json !== undefined) return json as T;
    const error = (json as { error?: Record<string, unknown> } | undefined)?.error ?? {};
    const code = typeof error.code === 'number' ? error.code : undefined;
    const subcode = typeof error.error_subcode === 'number' ? error.error_subcode : undefined;
    const data = error.error_data as { details?: unknown } | undefined;
    const details = typeof data?.details === 'string' ? data.details : undefined;
    throw new GraphApiError(
      response.status,
      code,
      subcode,
      typeof error.message === 'string' ? error.message : `HTTP ${response.status}`,
      details,
      classifyGraphError(response.status, code, details, recipient),
    );
  }
}

function noId() {
  return {
    reason: 'WhatsApp accepted the message but returned no message id; MONO retries.',
    permanent: false,
    channelWide: false,
  };
}
