// Watches one IMAP mailbox: on connect it fetches every UID above the stored cursor (mail that arrived while the
// agent was down), then waits in IDLE and fetches again whenever the server reports new mail. Reconnects with
// backoff; the cursor (with UIDVALIDITY) lives in the datastore, so nothing is missed or repeated. A mail the
// datastore refuses while it works (whatever its sender wrote) is recorded as failed and passed, not retried
// forever: one stranger's mail must not stop all mail. While the datastore itself fails, mail waits on the server.
import { ImapFlow, type ImapFlowOptions, type MailboxObject } from 'imapflow';
import type { Surreal } from 'surrealdb';
import type { Logger } from '../../log/logger.ts';
import type { MediaFiles } from '../../media/files.ts';
import { errorMessage } from '../../util/error-message.ts';
import { sleep } from '../../util/sleep.ts';
import type { EmailConfig } from './config.ts';
import { keepMailFiles } from './mail-files.ts';
import {
  datastoreUnavailable,
  loadCursor,
  recordUnstoredMail,
  resetCursor,
  storeMail,
  storeMailOnce,
  type UnstoredMail,
} from './mail-store.ts';
import { OAuthError } from './oauth.ts';
import { type ParsedMail, parseMail, sentDate } from './parse.ts';

const MAX_SOURCE_BYTES = 5 * 1024 * 1024;
const MAX_BACKOFF_MS = 5 * 60_000;
/** After UIDVALIDITY changed, mail of the last days is looked at again (Message-IDs keep it from repeating). */
const RESCAN_DAYS = 7;

export type ImapClientFactory = (options: ImapFlowOptions) => ImapFlow;

/** A mail that could not be stored and was passed over (recorded as failed); it is still on the server. */
export interface SkippedMail {
  uid: number;
  fromAddress: string;
  fromName: string;
  subject: string;
  reason: string;
}

/** Mail cannot be stored because the datastore fails (not the mail server, not the mail): tried again later. */
export class MailStoreError extends Error {
  override readonly name = 'MailStoreError';
  constructor(readonly reason: unknown) {
    super(errorMessage(reason), { cause: reason });
  }
}

export interface WatcherDeps {
  db: Surreal;
  log: Logger;
  /** Where readable attachments are kept (so the agent can look at them when it reads the mail). */
  files?: MediaFiles;
  /** The current credentials (an access token is fetched fresh for each connection). */
  credentials(): Promise<{ user: string; pass?: string; accessToken?: string }>;
  /** A mail was stored for the first time. */
  onNewMail(): void;
  /** A mail could not be stored and was passed over (recorded as failed, once). */
  onMailSkipped?(mail: SkippedMail): void;
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
        this.deps.log.warn(
          { reason: detail, failures },
          error instanceof MailStoreError
            ? 'mail cannot be stored now; retrying'
            : 'imap connection failed; retrying',
        );
      }
      if (this.#stop.signal.aborted) break;
      const base = this.deps.backoffMs ?? 1000;
      await sleep(Math.min(MAX_BACKOFF_MS, base * 2 ** Math.min(failures, 12)), this.#stop.signal);
    }
  }

  /**
   * One connection: sync, then IDLE (imapflow idles on its own) until the connection closes. `connected` runs once
   * caught up: a connection whose sync fails (the datastore down) counts as a failure, so retries back off.
   */
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
    // Why this connection's sync failed, if it did: what the state shows, not "the server closed the connection".
    const failed: { error?: unknown } = {};
    client.on('exists', () => this.#queueSync(client, failed));
    await this.#queueSync(client, failed, mailbox);
    if (!('error' in failed)) {
      connected();
      // "Connected" once caught up: the cursor is stored and mail from the gap is in the datastore.
      this.deps.onState({ state: 'connected' });
      this.deps.log.info({ mailbox: this.config.mailbox, exists: mailbox.exists }, 'watching mailbox');
    }
    await closed;
    if (!this.#stop.signal.aborted) {
      throw 'error' in failed ? failed.error : new Error('the IMAP server closed the connection');
    }
  }

  #queueSync(client: ImapFlow, failed: { error?: unknown }, opened?: MailboxObject): Promise<void> {
    this.#sync = this.#sync
      .then(() => this.#syncOnce(client, opened))
      .catch((error) => {
        if (!this.#stop.signal.aborted) {
          this.deps.log.warn({ reason: errorMessage(error) }, 'mail sync failed; reconnecting');
          failed.error ??= error;
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
    const cursor = await loadCursor(db, mailbox).catch(datastoreFailed);
    let uids: number[];
    if (!cursor) {
      // First start: mail from now on; the owner is not flooded with years of history.
      await resetCursor(db, mailbox, uidvalidity, Math.max(0, box.uidNext - 1)).catch(datastoreFailed);
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
      await resetCursor(db, mailbox, uidvalidity, 0).catch(datastoreFailed);
    } else {
      if (box.uidNext !== undefined && box.uidNext <= cursor.last_uid + 1 && opened) return;
      uids = ((await client.search({ uid: `${cursor.last_uid + 1}:*` }, { uid: true })) || [])
        // "N:*" always matches the highest UID, even one below N.
        .filter((uid) => uid > cursor.last_uid)
        .sort((a, b) => a - b);
    }
    log.debug({ mailbox, uids, last_uid: cursor.last_uid }, 'mail sync');
    let stored = 0;
    const skipped: SkippedMail[] = [];
    try {
      for (const uid of uids) {
        if (this.#stop.signal.aborted) return;
        const result = await this.#fetchAndStore(client, uidvalidity, uid);
        if (result && 'skipped' in result) skipped.push(result.skipped);
        else if (result?.isNew) stored++;
      }
    } finally {
      // Also when a later mail failed: what was stored is triaged now, not after the next new mail.
      if (stored > 0) {
        log.info({ mailbox, stored }, 'new mail stored');
        this.deps.onNewMail();
      }
      for (const mail of skipped) this.deps.onMailSkipped?.(mail);
    }
  }

  async #fetchAndStore(
    client: ImapFlow,
    uidvalidity: number,
    uid: number,
  ): Promise<{ isNew: boolean } | { skipped: SkippedMail } | undefined> {
    const { log } = this.deps;
    const mailbox = this.config.mailbox;
    const message = await client.fetchOne(
      String(uid),
      { uid: true, source: { maxLength: MAX_SOURCE_BYTES }, internalDate: true },
      { uid: true },
    );
    if (message === false || !message.source) return undefined;
    const internalDate = message.internalDate instanceof Date ? message.internalDate : undefined;
    const fallbackId = `<${uid}.${uidvalidity}.${mailbox}@mono.invalid>`;
    let parsed: ParsedMail;
    try {
      parsed = await parseMail(message.source, fallbackId, internalDate);
    } catch (error) {
      const bare = unstored(fallbackId, internalDate);
      const skip = await this.#recordUnstored(uidvalidity, uid, [bare], error);
      return skip ? { skipped: skip } : { isNew: false };
    }
    if (parsed.claimedDate !== undefined) {
      log.warn(
        { mailbox, uid, claimed: parsed.claimedDate, date: parsed.date.toISOString() },
        'a mail claims an impossible date: dated when it arrived instead',
      );
    }
    // Kept before the mail is stored: a crash in between only leaves files the next fetch writes again.
    if (this.deps.files && parsed.parts.length > 0) {
      parsed.files = await keepMailFiles(this.deps.files, parsed.messageId, parsed.parts).catch((error) => {
        log.warn({ err: error }, 'could not keep the attachments of a mail');
        return [];
      });
    }
    return this.#store(uidvalidity, uid, parsed, fallbackId, internalDate);
  }

  /**
   * Stores a mail; when the datastore refuses it though the datastore works, records it as failed and passes it.
   * Throws MailStoreError when the datastore itself fails: the cursor stays, the mail is fetched again later.
   */
  async #store(
    uidvalidity: number,
    uid: number,
    parsed: ParsedMail,
    fallbackId: string,
    receivedAt: Date | undefined,
  ): Promise<{ isNew: boolean } | { skipped: SkippedMail }> {
    const { db } = this.deps;
    const mailbox = this.config.mailbox;
    try {
      return await storeMail(db, mailbox, uidvalidity, uid, parsed);
    } catch (error) {
      if (datastoreUnavailable(error)) throw new MailStoreError(error);
    }
    // Once more, which also names the statement that failed (a passing fault is not taken for a bad mail).
    let reason: unknown;
    try {
      return await storeMailOnce(db, mailbox, uidvalidity, uid, parsed);
    } catch (error) {
      if (datastoreUnavailable(error)) throw new MailStoreError(error);
      reason = error;
    }
    const { messageId, fromAddress, fromName, subject, date } = parsed;
    const rows: UnstoredMail[] = [
      { messageId, fromAddress, fromName, subject, date },
      // What the sender wrote may be what the datastore refuses: then a row with nothing of theirs.
      unstored(fallbackId, receivedAt),
    ];
    const skipped = await this.#recordUnstored(uidvalidity, uid, rows, reason);
    return skipped ? { skipped } : { isNew: false };
  }

  /**
   * Records the mail as failed and moves the cursor past it, trying each row in turn. If even a row with nothing
   * from the sender cannot be written, the datastore is what fails: MailStoreError, nothing is passed over.
   */
  async #recordUnstored(
    uidvalidity: number,
    uid: number,
    rows: UnstoredMail[],
    reason: unknown,
  ): Promise<SkippedMail | undefined> {
    const { db, log } = this.deps;
    const mailbox = this.config.mailbox;
    const why = errorMessage(reason);
    let failure: unknown;
    for (const row of rows) {
      try {
        const result = await recordUnstoredMail(db, mailbox, uidvalidity, uid, row, why);
        log.warn(
          { mailbox, uid, message_id: row.messageId, reason: why, recorded: result.isNew },
          'a mail could not be stored: recorded as failed and passed over',
        );
        if (!result.isNew) return undefined;
        const { fromAddress, fromName, subject } = rows[0]!;
        return { uid, fromAddress, fromName, subject, reason: why };
      } catch (error) {
        failure = error;
        if (datastoreUnavailable(error)) break;
      }
    }
    throw new MailStoreError(failure);
  }
}

/** The row of a mail whose contents cannot be used: only where it is on the server and when it arrived. */
function unstored(fallbackId: string, receivedAt: Date | undefined): UnstoredMail {
  return {
    messageId: fallbackId,
    fromAddress: '',
    fromName: 'unknown sender',
    subject: '(could not be stored)',
    date: sentDate(undefined, receivedAt),
  };
}

function datastoreFailed(error: unknown): never {
  throw new MailStoreError(error);
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
  if (error instanceof MailStoreError) {
    return `New mail cannot be stored: the datastore fails (${error.message}). The mail stays on ${where} and is fetched when the datastore works again.`;
  }
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
