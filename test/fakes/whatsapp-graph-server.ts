// FakeWhatsAppGraph: a real HTTP server speaking the WhatsApp Cloud API's Graph endpoints (send a text, mark
// read, look up the number) with Meta's response and error shapes, and the Meta side of the webhook: it builds
// payloads, signs them exactly as Meta does (X-Hub-Signature-256 over the raw bytes) and delivers them.
import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type Listening,
  type ListenOptions,
  listen,
  readBody,
  Signal,
  sendJson,
  waitUntil,
} from './http-util.ts';
import { type GraphErrorCode, graphError } from './whatsapp-errors.ts';
import * as payloads from './whatsapp-payloads.ts';

export const FAKE_WHATSAPP_TOKEN = 'EAAfake0000000000000000000000000000000000';
export const FAKE_WHATSAPP_APP_SECRET = 'fake-app-secret-0123456789abcdef';
export const FAKE_WHATSAPP_PHONE_ID = '106540352242922';
export const FAKE_WHATSAPP_VERIFY_TOKEN = 'verify-me-please';
const WINDOW_MS = 24 * 3600 * 1000;

export interface SentText {
  to: string;
  text: string;
  id: string;
  time: number;
}

export interface ReadReceipt {
  messageId: string;
  typing: boolean;
}

export class FakeWhatsAppGraph {
  token = FAKE_WHATSAPP_TOKEN;
  readonly appSecret = FAKE_WHATSAPP_APP_SECRET;
  readonly phoneNumberId = FAKE_WHATSAPP_PHONE_ID;
  /** Where Meta would deliver webhooks (the agent's POST /whatsapp). */
  webhookUrl: string | undefined;
  /** Enforce the 24-hour customer service window (a send outside it fails with 131047 by status webhook). */
  enforceWindow = true;
  readonly sent: SentText[] = [];
  readonly reads: ReadReceipt[] = [];
  /** Every request as received (method, path, auth header present). */
  readonly calls: { method: string; path: string; body?: unknown }[] = [];
  readonly #lastInbound = new Map<string, number>();
  readonly #inboundIds = new Set<string>();
  readonly #faults: GraphErrorCode[] = [];
  /** Files users sent, by media id (GET /{media-id}, then the download URL with the bearer token). */
  readonly media = new Map<string, { bytes: Buffer; mime: string }>();
  /** Every download of a media URL: the id and the HTTP status answered. */
  readonly downloads: { id: string; status: number }[] = [];
  readonly #changed = new Signal();
  #server: Listening | undefined;
  #nextId = 1;

  get url(): string {
    if (!this.#server) throw new Error('FakeWhatsAppGraph is not started');
    return this.#server.url;
  }

  /** WHATSAPP_GRAPH_URL for the agent (with an API version, as Meta's). */
  get graphUrl(): string {
    return `${this.url}/v23.0`;
  }

  async start(options: ListenOptions = {}): Promise<{ url: string }> {
    this.#server = await listen((req, res) => void this.#handle(req, res), options);
    return { url: this.graphUrl };
  }

  async close(): Promise<void> {
    await this.#server?.close();
  }

  /** The next `count` Graph calls fail with this Meta error (190, 131047, 130429, 80007, …). */
  failNext(code: GraphErrorCode, count = 1): void {
    for (let i = 0; i < count; i++) this.#faults.push(code);
  }

  /** A text from a user, as Meta's webhook payload; it opens that user's 24-hour window. */
  textMessage(input: {
    from: string;
    text: string;
    name?: string;
    id?: string;
    /** Sent this long ago (the 24-hour window is measured from then). */
    hoursAgo?: number;
  }): payloads.WebhookPayload {
    const at = Date.now() - (input.hoursAgo ?? 0) * 3600_000;
    const payload = payloads.textMessage(this.phoneNumberId, { ...input, id: input.id ?? this.#wamid(), at });
    return this.#inbound(input.from, payload, at);
  }

  mediaMessage(input: {
    from: string;
    type: string;
    body?: Record<string, unknown>;
  }): payloads.WebhookPayload {
    return this.#inbound(
      input.from,
      payloads.mediaMessage(this.phoneNumberId, { ...input, id: this.#wamid() }),
    );
  }

  /**
   * A file from a user (image, document, audio with `voice`, video, sticker) as Meta's webhook carries it: a
   * media id to fetch, the declared MIME type, a caption or file name. The bytes are served by this fake.
   */
  fileMessage(input: {
    from: string;
    type: 'image' | 'document' | 'audio' | 'video' | 'sticker';
    bytes: Buffer;
    mime: string;
    caption?: string;
    filename?: string;
    voice?: boolean;
  }): payloads.WebhookPayload {
    const id = String(1_000_000_000_000 + this.media.size + Math.floor(Math.random() * 1e9));
    this.media.set(id, { bytes: input.bytes, mime: input.mime });
    return this.mediaMessage({
      from: input.from,
      type: input.type,
      body: {
        mime_type: input.mime,
        sha256: createHash('sha256').update(input.bytes).digest('base64'),
        id,
        ...(input.caption ? { caption: input.caption } : {}),
        ...(input.filename ? { filename: input.filename } : {}),
        ...(input.voice ? { voice: true } : {}),
      },
    });
  }

  /** Signs `body` like Meta: "sha256=" + hex HMAC-SHA256 of the raw bytes with the app secret. */
  sign(body: string | Buffer): string {
    return `sha256=${createHmac('sha256', this.appSecret).update(body).digest('hex')}`;
  }

  /**
   * POSTs a payload to the webhook like Meta (compact JSON, UTF-8). `signature`: 'valid' (default), 'none',
   * 'wrong-secret', or 'tampered' (signed, then the body changed). Resolves to the HTTP status.
   */
  async deliver(
    payload: unknown,
    {
      signature = 'valid',
      url = this.webhookUrl,
    }: { signature?: 'valid' | 'none' | 'wrong-secret' | 'tampered'; url?: string } = {},
  ): Promise<number> {
    if (!url) throw new Error('set webhookUrl first');
    const raw = Buffer.from(JSON.stringify(payload), 'utf8');
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'facebookexternalua',
    };
    if (signature === 'valid' || signature === 'tampered') headers['x-hub-signature-256'] = this.sign(raw);
    if (signature === 'wrong-secret')
      headers['x-hub-signature-256'] =
        `sha256=${createHmac('sha256', 'not-the-secret').update(raw).digest('hex')}`;
    const body =
      signature === 'tampered' ? Buffer.from(raw.toString('utf8').replace(/"body":"/, '"body":"X')) : raw;
    const response = await fetch(url, { method: 'POST', headers, body });
    await response.arrayBuffer();
    return response.status;
  }

  /** Meta's subscription check: GET with hub.mode, hub.verify_token, hub.challenge. */
  async verifySubscription(url: string, verifyToken: string, challenge = randomBytes(6).toString('hex')) {
    const query = new URLSearchParams({
      'hub.mode': 'subscribe',
      'hub.verify_token': verifyToken,
      'hub.challenge': challenge,
    });
    const response = await fetch(`${url}?${query}`);
    return { status: response.status, body: await response.text(), challenge };
  }

  waitForSent(n: number, { timeoutMs = 5000 } = {}): Promise<SentText[]> {
    return waitUntil(
      () => (this.sent.length >= n ? this.sent.slice(0, n) : undefined),
      this.#changed.subscribe,
      timeoutMs,
      () => `expected ${n} WhatsApp sends, got ${this.sent.length}: ${JSON.stringify(this.sent)}`,
    );
  }

  waitForReads(n: number, { timeoutMs = 5000 } = {}): Promise<ReadReceipt[]> {
    return waitUntil(
      () => (this.reads.length >= n ? this.reads.slice(0, n) : undefined),
      this.#changed.subscribe,
      timeoutMs,
      () => `expected ${n} read receipts, got ${this.reads.length}`,
    );
  }

  #inbound(from: string, payload: payloads.WebhookPayload, at = Date.now()): payloads.WebhookPayload {
    this.#lastInbound.set(from, at);
    const id = payload.entry[0]!.changes[0]!.value.messages![0]!.id;
    this.#inboundIds.add(id);
    return payload;
  }

  #wamid(): string {
    return `wamid.HBgM${randomBytes(12).toString('hex').toUpperCase()}${this.#nextId++}`;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const download = /^\/whatsapp_media\/(\d+)$/.exec(url.pathname);
    if (download) return this.#download(download[1]!, req, res);
    const match = /^\/v\d+\.\d+\/(\d+)(\/messages)?$/.exec(url.pathname);
    const raw = await readBody(req);
    let body: Record<string, unknown> | undefined;
    try {
      body = raw.length ? (JSON.parse(raw.toString('utf8')) as Record<string, unknown>) : undefined;
    } catch {
      return sendJson(res, 400, graphError(100).body);
    }
    this.calls.push({ method: req.method ?? 'GET', path: url.pathname, ...(body ? { body } : {}) });
    const auth = req.headers.authorization;
    if (auth !== `Bearer ${this.token}`) return reply(res, graphError(190));
    if (req.method === 'GET' && match && !match[2] && this.media.has(match[1]!))
      return this.#mediaInfo(match[1]!, res);
    if (!match || match[1] !== this.phoneNumberId) return reply(res, graphError(100, 'Unsupported request'));
    const fault = this.#faults.shift();
    if (fault !== undefined) return reply(res, graphError(fault));
    if (req.method === 'GET' && !match[2]) {
      return sendJson(res, 200, {
        verified_name: 'MONO Test',
        display_phone_number: '+1 555-010-0001',
        id: this.phoneNumberId,
      });
    }
    if (req.method !== 'POST' || !match[2] || !body)
      return reply(res, graphError(100, 'Unsupported request'));
    if (body.messaging_product !== 'whatsapp')
      return reply(res, graphError(100, 'The parameter messaging_product is required.'));
    if (body.status === 'read') return this.#read(res, body);
    return this.#send(res, body);
  }

  /** GET /{media-id}: where the file is (a URL that needs the same bearer token) and what it is. */
  #mediaInfo(id: string, res: ServerResponse): undefined {
    const file = this.media.get(id)!;
    sendJson(res, 200, {
      messaging_product: 'whatsapp',
      url: `${this.url}/whatsapp_media/${id}`,
      mime_type: file.mime,
      sha256: createHash('sha256').update(file.bytes).digest('hex'),
      file_size: file.bytes.length,
      id,
    });
  }

  /** The download URL: Meta's media host wants the bearer token too (without it: 401). */
  #download(id: string, req: IncomingMessage, res: ServerResponse): undefined {
    const file = this.media.get(id);
    const status = req.headers.authorization !== `Bearer ${this.token}` ? 401 : file ? 200 : 404;
    this.downloads.push({ id, status });
    this.#changed.emit();
    if (status !== 200) {
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(status === 401 ? 'Unauthorized' : 'Not Found');
      return;
    }
    res.writeHead(200, { 'content-type': file!.mime, 'content-length': file!.bytes.length });
    res.end(file!.bytes);
  }

  #read(res: ServerResponse, body: Record<string, unknown>): undefined {
    const id = body.message_id;
    if (typeof id !== 'string' || !this.#inboundIds.has(id))
      return reply(res, graphError(100, 'Invalid parameter'));
    const typing = (body.typing_indicator as { type?: string } | undefined)?.type === 'text';
    this.reads.push({ messageId: id, typing });
    this.#changed.emit();
    sendJson(res, 200, { success: true });
  }

  #send(res: ServerResponse, body: Record<string, unknown>): undefined {
    const to = body.to;
    const text = (body.text as { body?: unknown } | undefined)?.body;
    if (typeof to !== 'string' || !/^\+?\d{6,20}$/.test(to))
      return reply(res, graphError(100, 'Invalid parameter'));
    if (body.type !== 'text' || typeof text !== 'string' || text.length === 0) {
      return reply(res, graphError(100, "Param text['body'] is required"));
    }
    if (text.length > 4096)
      return reply(res, graphError(100, "Param text['body'] must be at most 4096 characters long."));
    const id = this.#wamid();
    const waId = to.replace(/^\+/, '');
    this.sent.push({ to: waId, text, id, time: Date.now() });
    this.#changed.emit();
    sendJson(res, 200, {
      messaging_product: 'whatsapp',
      contacts: [{ input: to, wa_id: waId }],
      messages: [{ id }],
    });
    const last = this.#lastInbound.get(waId);
    // Outside the window Meta accepts the request and reports the failure later, by status webhook.
    if (this.enforceWindow && (last === undefined || Date.now() - last > WINDOW_MS) && this.webhookUrl) {
      setTimeout(
        () =>
          void this.deliver(
            payloads.failedStatus(this.phoneNumberId, { id, recipient: waId, code: 131047 }),
          ).catch(() => {}),
        20,
      );
    }
  }
}

function reply(res: ServerResponse, error: { status: number; body: unknown }): undefined {
  const headers: Record<string, string> = { 'x-fb-trace-id': 'AbCdEfGhIjK' };
  if (error.status === 401)
    headers['www-authenticate'] = 'OAuth "Facebook Platform" "invalid_token" "Error validating access token"';
  sendJson(res, error.status, error.body, headers);
}
