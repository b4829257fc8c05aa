// WhatsApp as a linked device of the owner's number (like WhatsApp Web): QR or pairing code for the desktop, keys
// in the data dir, and a watchdog for silent drops (logged out, an open socket carrying nothing) that reconnects
// with backoff and tells the owner on another channel.
import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import type { Allowlist } from '../../../config/values.ts';
import type { ChannelState } from '../../../contract/tables.ts';
import type { Logger } from '../../../log/logger.ts';
import type { MediaSource } from '../../../media/attachments.ts';
import { errorMessage } from '../../../util/error-message.ts';
import { oneAtATime } from '../../../util/one-at-a-time.ts';
import {
  type Channel,
  ChannelSendError,
  type FetchedMedia,
  MediaFetchError,
  type Receive,
} from '../../channel.ts';
import type { ChannelContext } from '../../channel-setup.ts';
import { type LinkRow, writeLink } from './link-store.ts';
import { bareJid, ownPhoneJid, parseLinkedMessage, refusal, toJid } from './messages.ts';
import { noticeToOwner } from './owner-notice.ts';
import {
  DISCONNECT,
  disconnectCode,
  type LinkedSocket,
  type MediaDownloader,
  type SocketFactory,
} from './socket.ts';

export interface LinkedOptions {
  authDir: string;
  /**
   * Who may reach the agent (MONO_ALLOW_WHATSAPP); the account itself (its "Message yourself" chat) always may.
   * On a personal number nobody else is answered, not even with a pairing code: friends writing to the owner
   * must never get a message from MONO they did not ask for.
   */
  allow: Allowlist;
  /** Told the account's own number once linked (it joins the allowlist: the owner writes from it). */
  onOwnNumber?: (number: string) => void;
  pairingPhone?: string;
  createSocket: SocketFactory;
  /** Fetches and decrypts received files (Baileys' media download in production; without it files are refused). */
  downloadMedia?: MediaDownloader;
  /** How often the watchdog looks (default 30 s). */
  watchdogMs?: number;
  /** No frame for this long while "open" means the link is dead (default 3 min; WhatsApp pings every 30 s). */
  silentMs?: number;
  /** Down this long (or logged out): the owner is told (default 5 min). */
  alertAfterMs?: number;
  /** First reconnect delay; doubles up to 5 minutes (default 2 s). */
  backoffMs?: number;
}

const MAX_BACKOFF_MS = 5 * 60_000;

export class WhatsAppLinkedChannel implements Channel {
  readonly name = 'whatsapp' as const;
  readonly maxMessageLength = 4096;
  #state: { state: ChannelState; detail?: string } = { state: 'off' };
  #context: ChannelContext | undefined;
  #receive: Receive | undefined;
  #socket: LinkedSocket | undefined;
  #lastFrame = 0;
  #downSince: number | undefined = Date.now();
  #ownerTold = false;
  #failures = 0;
  #watchdog: NodeJS.Timeout | undefined;
  #reconnect: NodeJS.Timeout | undefined;
  #stopped = false;
  #generation = 0;
  /**
   * The link row's writes, in the order they happened: run together, a "logged out" write retried after a conflict
   * could land after the new QR's and hide it from the desktop.
   */
  readonly #linkWrites = oneAtATime();
  /** The account's own JIDs (phone and LID form), known once open. */
  readonly #self = new Set<string>();
  /** Ids of messages MONO sent, so their echoes in the self chat are not taken for the owner's. */
  readonly #sent = new Set<string>();

  constructor(
    private readonly options: LinkedOptions,
    private readonly log: Logger,
  ) {}

  state() {
    return this.#state;
  }

  attach(context: ChannelContext): void {
    this.#context = context;
  }

  async start(receive: Receive): Promise<void> {
    this.#receive = receive;
    // The keys to the owner's WhatsApp account: readable by the agent's user only.
    mkdirSync(this.options.authDir, { recursive: true, mode: 0o700 });
    chmodSync(this.options.authDir, 0o700);
    this.#watchdog = setInterval(() => void this.#check(), this.options.watchdogMs ?? 30_000);
    this.#watchdog.unref();
    await this.#connect();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#watchdog);
    clearTimeout(this.#reconnect);
    this.#socket?.end();
    this.#state = { state: 'off' };
  }

  async send(chatId: string, text: string): Promise<string> {
    const socket = this.#socket;
    if (!socket || this.#state.state !== 'connected') {
      throw new ChannelSendError(
        'whatsapp',
        'The linked WhatsApp device is not connected; MONO retries.',
        false,
      );
    }
    try {
      const id = await socket.sendText(toJid(chatId), text);
      if (!id) throw new Error('no message id');
      this.#sent.add(id);
      if (this.#sent.size > 1000) this.#sent.delete(this.#sent.values().next().value!);
      return id;
    } catch (error) {
      throw new ChannelSendError(
        'whatsapp',
        `WhatsApp did not take the message: ${errorMessage(error)}`,
        false,
      );
    }
  }

  async typing(chatId: string): Promise<void> {
    if (this.#state.state === 'connected') await this.#socket?.typing(toJid(chatId));
  }

  /** The declared size was checked before (messages.ts stored it); the download is capped as it streams. */
  async fetchMedia(
    source: MediaSource,
    options: { maxBytes: number; signal?: AbortSignal },
  ): Promise<FetchedMedia> {
    if (!this.options.downloadMedia) throw new MediaFetchError('this WhatsApp link cannot download files');
    try {
      return {
        body: await this.options.downloadMedia(source, options.signal ? { signal: options.signal } : {}),
      };
    } catch (error) {
      const status = disconnectCode(error);
      // WhatsApp's media servers keep a file for a limited time; after that only the sender's phone has it.
      if (status === 404 || status === 410)
        throw new MediaFetchError('WhatsApp no longer has this file', true);
      throw new MediaFetchError(`WhatsApp's media server: ${status ?? errorMessage(error)}`);
    }
  }

  async #connect(): Promise<void> {
    if (this.#stopped) return;
    const generation = ++this.#generation;
    // The last problem stays visible (and a logout stays an error) until the link is up again.
    const { state, detail } = this.#state;
    this.#setState({ state: state === 'error' ? 'error' : 'connecting', ...(detail ? { detail } : {}) });
    let socket: LinkedSocket;
    try {
      socket = await this.options.createSocket({ authDir: this.options.authDir, log: this.log });
    } catch (error) {
      this.log.error({ err: error }, 'could not create the WhatsApp socket');
      return this.#scheduleReconnect(`The WhatsApp library could not start: ${errorMessage(error)}`);
    }
    this.#socket = socket;
    this.#lastFrame = Date.now();
    let pairingRequested = false;
    const current = () => generation === this.#generation && !this.#stopped;
    socket.onFrame(() => {
      if (current()) this.#lastFrame = Date.now();
    });
    socket.onConnection((update) => {
      if (!current()) return;
      this.#lastFrame = Date.now();
      if (update.qr) {
        // The connection works, it only waits for a scan: when this QR expires, the next one comes at once.
        this.#failures = 0;
        if (this.options.pairingPhone && !socket.registered && !pairingRequested) {
          pairingRequested = true;
          void socket
            .requestPairingCode(this.options.pairingPhone)
            .then((code) =>
              this.#link({
                state: 'pairing_code',
                pairing_code: code,
                pairing_phone: this.options.pairingPhone,
                qr: update.qr,
              }),
            )
            .catch((error) =>
              this.log.warn({ err: error }, 'pairing code request failed; the QR still works'),
            );
        } else if (!pairingRequested) {
          void this.#link({ state: 'qr', qr: update.qr });
        }
        this.#setState({
          state: 'connecting',
          detail:
            'Not linked yet: open WhatsApp > Linked devices > Link a device and scan the QR shown in the MONO app.',
        });
      }
      if (update.connection === 'open') this.#opened(socket);
      if (update.connection === 'close') this.#closed(disconnectCode(update.lastDisconnect?.error));
    });
    socket.onMessages(({ messages, type }) => {
      if (!current() || type !== 'notify') return;
      void this.#inbound(socket, messages);
    });
  }

  #opened(socket: LinkedSocket): void {
    for (const jid of [socket.userId, socket.userLid]) if (jid) this.#self.add(bareJid(jid));
    const own = this.ownNumber;
    if (own) this.options.onOwnNumber?.(own);
    this.#failures = 0;
    this.#downSince = undefined;
    this.#ownerTold = false;
    this.#setState({ state: 'connected' });
    void this.#link({ state: 'connected', account: socket.userId });
    this.log.info({ account: socket.userId }, 'whatsapp linked device connected');
  }

  #closed(code: number | undefined): void {
    this.#socket = undefined;
    this.#downSince ??= Date.now();
    if (this.#stopped) return;
    if (code === DISCONNECT.loggedOut || code === DISCONNECT.forbidden) {
      // The phone removed this device (or WhatsApp banned it): the old keys are useless; a new QR follows.
      rmSync(this.options.authDir, { recursive: true, force: true });
      mkdirSync(this.options.authDir, { recursive: true, mode: 0o700 });
      const detail =
        'WhatsApp logged this device out: link it again by scanning the new QR in the MONO app (WhatsApp > Linked devices).';
      void this.#link({ state: 'logged_out', detail });
      this.#setState({ state: 'error', detail });
      void this.#tellOwner(`⚠️ ${detail}`);
      this.#scheduleReconnect(detail);
      return;
    }
    if (code === DISCONNECT.restartRequired) {
      // Normal right after pairing: WhatsApp asks for a fresh connection with the new keys.
      void this.#connect();
      return;
    }
    const detail =
      code === DISCONNECT.connectionReplaced
        ? 'Another WhatsApp Web session with these keys took over (is a second MONO running?); reconnecting.'
        : `The WhatsApp connection dropped (${code ?? 'no reason given'}); reconnecting.`;
    void this.#link({ state: 'disconnected', detail });
    this.#scheduleReconnect(detail);
  }

  #scheduleReconnect(detail: string): void {
    if (this.#stopped) return;
    this.#failures++;
    this.#setState({ state: this.#state.state === 'error' ? 'error' : 'connecting', detail });
    const delay = Math.min(
      MAX_BACKOFF_MS,
      (this.options.backoffMs ?? 2000) * 2 ** Math.min(this.#failures - 1, 12),
    );
    clearTimeout(this.#reconnect);
    this.#reconnect = setTimeout(() => void this.#connect(), delay);
    this.#reconnect.unref();
  }

  /** The watchdog: a socket that is "open" but silent is dead; a long outage is told to the owner once. */
  async #check(): Promise<void> {
    const now = Date.now();
    if (this.#state.state === 'connected' && now - this.#lastFrame > (this.options.silentMs ?? 180_000)) {
      this.log.warn({ silent_ms: now - this.#lastFrame }, 'whatsapp link silent while open: reconnecting');
      this.#socket?.end(new Error('no traffic from WhatsApp'));
      this.#closed(DISCONNECT.connectionLost);
      return;
    }
    if (
      this.#downSince !== undefined &&
      !this.#ownerTold &&
      now - this.#downSince > (this.options.alertAfterMs ?? 300_000)
    ) {
      const minutes = Math.round((now - this.#downSince) / 60_000);
      await this.#tellOwner(
        `⚠️ My WhatsApp link has been down for ${minutes} min: ${this.#state.detail ?? 'reconnecting'}`,
      );
    }
  }

  async #inbound(socket: LinkedSocket, messages: Parameters<typeof parseLinkedMessage>[0][]): Promise<void> {
    for (const message of messages) {
      const parsed = parseLinkedMessage(message, this.#self);
      const echo = message.key.id ? this.#sent.has(message.key.id) : false;
      const reason =
        typeof parsed === 'string'
          ? parsed
          : echo
            ? 'echo of a reply'
            : refusal(parsed, this.#self, this.options.allow);
      if (reason || typeof parsed === 'string') {
        this.log.debug({ reason }, 'whatsapp message skipped');
        continue;
      }
      try {
        await this.#receive!(parsed);
        await socket.markRead([message.key]).catch(() => {});
      } catch (error) {
        this.log.error({ err: error }, 'could not store a whatsapp message');
      }
    }
  }

  /** The account's own number: its self chat is the owner's (they may use owner-only tools there). */
  get ownNumber(): string | undefined {
    return ownPhoneJid(this.#self)?.split('@')[0];
  }

  async #tellOwner(text: string): Promise<void> {
    if (this.#ownerTold) return;
    this.#ownerTold = true;
    await noticeToOwner(this.#context, text, this.log);
  }

  async #link(row: LinkRow): Promise<void> {
    if (!this.#context) return;
    const { db } = this.#context;
    await this.#linkWrites(() => writeLink(db, row)).catch((error) =>
      this.log.warn({ err: error }, 'could not record the whatsapp link state'),
    );
  }

  #setState(next: { state: ChannelState; detail?: string }): void {
    const changed = next.state !== this.#state.state || next.detail !== this.#state.detail;
    this.#state = next;
    if (changed) this.#context?.stateChanged();
  }
}
