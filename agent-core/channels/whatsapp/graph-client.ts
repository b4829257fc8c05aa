// A small client for the few Graph API calls MONO makes: send a text, mark a message read (with "typing…"),
// and look up the phone number at start. Errors become GraphApiError with an actionable reason.
import type { Secret } from '../../config/secret.ts';
import { classifyGraphError, GraphApiError } from './graph-errors.ts';

const TIMEOUT_MS = 20_000;

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
