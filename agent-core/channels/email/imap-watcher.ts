// Watches one IMAP mailbox: on connect it fetches every UID above the stored cursor (mail that arrived while the
// agent was down), then waits in IDLE and fetches again whenever the server reports new mail. Reconnects with
// backoff; the cursor (with UIDVALIDITY) lives in the datastore, so nothing is missed or repeated.
import { ImapFlow, type ImapFlowOptions, type MailboxObject } from 'imapflow';
import type { Surreal } from 'surrealdb';
import type { Logger } from '../../log/logger.ts';
import type { MediaFiles } from '../../media/files.ts';
import { errorMessage } from '../../util/error-message.ts';
import { sleep } from '../../util/sleep.ts';
import type { EmailConfig } from './config.ts';
import { keepMailFiles } from './mail-files.ts';
import { loadCursor, resetCursor, storeMail } from './mail-store.ts';
import { OAuthError } from './oauth.ts';
import { parseMail } from './parse.ts';

const MAX_SOURCE_BYTES = 5 * 1024 * 1024;
const MAX_BACKOFF_MS = 5 * 60_000;
/** After UIDVALIDITY changed, mail of the last days is looked at again (Message-IDs keep it from repeating). */
const RESCAN_DAYS = 7;

export type ImapClientFactory = (options: ImapFlowOptions) => ImapFlow;

export interface WatcherDeps {
  db: Surreal;
  log: Logger;
  /** Where readable attachments are kept (so the agent can look at them when it reads the mail). */
  files?: MediaFiles;
  /** The current credentials (an access token is fetched fresh for each connection). */
  credentials(): Promise<{ user: string; pass?: string; accessToken?: string }>;
  /** A mail was stored for the first time. */
  onNewMail(): void;
  onState(state: { state: 'connected' | 'connecting' | 'error'; detail?: string }): void;
  /** The server refused the login (an OAuth2 access token may have been revoked: fetch a new one). */
  onAuthFailed?(): void;
  createClient?: ImapClientFactory;
  /** Reconnect delay after the first failure (doubles up to 5 minutes). */
  backoffMs?: number;
}

export class ImapWatcher {
  readonly #stop = new AbortController();
  #client: ImapFlow | undefined;
  #running: Promise<void> | undefined;
  #sync: Promise<void> = Promise.resolve();

  constructor(
    private readonly config: EmailConfig,
    private readonly deps: WatcherDeps,
  ) {}

  start(): void {
    this.#running = this.#loop();
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#client?.logout().catch(() => this.#client?.close());
    await this.#running;
  }

  async #loop(): Promise<void> {
    let failures = 0;
    while (!this.#stop.signal.aborted) {
      this.deps.onState({ state: 'connecting' });
      try {
        await this.#session(() => {
          failures = 0;
        });
      } catch (error) {
        if (this.#stop.signal.aborted) break;
        failures++;
        if ((error as { authenticationFailed?: boolean })?.authenticationFailed) this.deps.onAuthFailed?.();
        const detail = describeImapError(error, this.config);
        this.deps.onState({ state: 'error', detail });
        this.deps.log.warn({ reason: detail, failures }, 'imap connection failed; retrying');
      }
      if (this.#stop.signal.aborted) break;
      const base = this.deps.backoffMs ?? 1000;
      await sleep(Math.min(MAX_BACKOFF_MS, base * 2 ** Math.min(failures, 12)), this.#stop.signal);
    }
  }

  /** One connection: sync, then IDLE (imapflow idles on its own) until the connection closes. */
  async #session(connected: () => void): Promise<void> {
    const { host, port, secure } = this.config.imap;
    const client = (this.deps.createClient ?? ((options) => new ImapFlow(options)))({
      host,
      port,
      secure,
      auth: await this.deps.credentials(),
      logger: false,
      tls: { rejectUnauthorized: !this.config.allowSelfSigned },
      // Some servers drop an IDLE after ~30 min silently; re-issuing it sooner keeps the watch alive.
      maxIdleTime: 10 * 60_000,
      // IDLE right after each sync, so new mail is seen within a second.
      autoIdleDelay: 500,
    });
    this.#client = client;
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    client.on('error', (error: Error) => this.deps.log.warn({ reason: error.message }, 'imap error'));
    await client.connect();
    const mailbox = await client.mailboxOpen(this.config.mailbox);
    connected();
    client.on('exists', () => this.#queueSync(client));
    await this.#queueSync(client, mailbox);
    // "Connected" once caught up: the cursor is stored and mail from the gap is in the datastore.
    this.deps.onState({ state: 'connected' });
    this.deps.log.info({ mailbox: this.config.mailbox, exists: mailbox.exists }, 'watching mailbox');
    await closed;
    if (!this.#stop.signal.aborted) throw new Error('the IMAP server closed the connection');
  }

  #queueSync(client: ImapFlow, opened?: MailboxObject): Promise<void> {
    this.#sync = this.#sync
      .then(() => this.#syncOnce(client, opened))
      .catch((error) => {
        if (!this.#stop.signal.aborted) {
          this.deps.log.warn({ reason: errorMessage(error) }, 'mail sync failed; reconnecting');
          client.close();
        }
      });
    return this.#sync;
  }

  async #syncOnce(client: ImapFlow, opened?: MailboxObject): Promise<void> {
    const { db, log } = this.deps;
    const mailbox = this.config.mailbox;
    const box = opened ?? (client.mailbox as MailboxObject);
    const uidvalidity = Number(box.uidValidity);
    const cursor = await loadCursor(db, mailbox);
    let uids: number[];
    if (!cursor) {
      // First start: mail from now on; the owner is not flooded with years of history.
      await resetCursor(db, mailbox, uidvalidity, Math.max(0, box.uidNext - 1));
      log.info({ mailbox, from_uid: box.uidNext }, 'mail cursor started');
      return;
    }
    if (cursor.uidvalidity !== uidvalidity) {
      log.warn(
        { mailbox, was: cursor.uidvalidity, now: uidvalidity },
        'UIDVALIDITY changed: rescanning recent mail',
      );
      const since = new Date(Date.now() - RESCAN_DAYS * 86_400_000);
      uids = ((await client.search({ since }, { uid: true })) || []).sort((a, b) => a - b);
      await resetCursor(db, mailbox, uidvalidity, 0);
    } else {
      if (box.uidNext !== undefined && box.uidNext <= cursor.last_uid + 1 && opened) return;
      uids = ((await client.search({ uid: `${cursor.last_uid + 1}:*` }, { uid: true })) || [])
        // "N:*" always matches the highest UID, even one below N.
        .filter((uid) => uid > cursor.last_uid)
        .sort((a, b) => a - b);
    }
    log.debug({ mailbox, uids, last_uid: cursor.last_uid }, 'mail sync');
    let stored = 0;
    for (const uid of uids) {
      if (this.#stop.signal.aborted) return;
      const message = await client.fetchOne(
        String(uid),
        { uid: true, source: { maxLength: MAX_SOURCE_BYTES }, internalDate: true },
        { uid: true },
      );
      if (message === false || !message.source) continue;
      const internalDate = message.internalDate instanceof Date ? message.internalDate : undefined;
      const parsed = await parseMail(
        message.source,
        `<${uid}.${uidvalidity}.${mailbox}@mono.invalid>`,
        internalDate,
      );
      // Kept before the mail is stored: a crash in between only leaves files the next fetch writes again.
      if (this.deps.files && parsed.parts.length > 0) {
        parsed.files = await keepMailFiles(this.deps.files, parsed.messageId, parsed.parts).catch((error) => {
          log.warn({ err: error }, 'could not keep the attachments of a mail');
          return [];
        });
      }
      const result = await storeMail(db, mailbox, uidvalidity, uid, parsed);
      if (result.isNew) stored++;
    }
    if (stored > 0) {
      log.info({ mailbox, stored }, 'new mail stored');
      this.deps.onNewMail();
    }
  }
}

export function describeImapError(error: unknown, config: EmailConfig): string {
  const e = error as {
    authenticationFailed?: boolean;
    code?: string;
    responseText?: string;
    message?: string;
  };
  if (error instanceof OAuthError) return error.message;
  const where = `${config.imap.host}:${config.imap.port}`;
  if (e?.authenticationFailed) {
    return config.auth.kind === 'password'
      ? `The mail server ${where} refused the login: check MONO_EMAIL_PASSWORD (Gmail needs an app password with 2-step verification on).`
      : `The mail server ${where} refused the OAuth2 token: check the MONO_EMAIL_OAUTH_* values and the mail scope.`;
  }
  if (e?.code === 'ECONNREFUSED' || e?.code === 'ENOTFOUND' || e?.code === 'ETIMEDOUT') {
    return `The mail server ${where} cannot be reached (${e.code}): check MONO_EMAIL_IMAP_URL.`;
  }
  if (e?.code === 'NoConnection' || /certificate/i.test(e?.message ?? '')) {
    return `The connection to ${where} failed (${e.message}); for a self-signed certificate set MONO_EMAIL_ALLOW_SELF_SIGNED=1.`;
  }
  if (/Mailbox doesn't exist|NONEXISTENT/i.test(e?.responseText ?? '')) {
    return `The mailbox "${config.mailbox}" does not exist on ${where}: check MONO_EMAIL_MAILBOX.`;
  }
  return `IMAP ${where}: ${e?.responseText ?? e?.message ?? String(error)}`;
}
