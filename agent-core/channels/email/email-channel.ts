// Email as a channel: watches the mailbox (IMAP IDLE), stores new mail, tells the owner in their chat about
// mail that matters (a short Claude summary), and sends mail when a tool asks (replies only after the owner
// confirmed). Mail never reaches the turn runner as a chat message: strangers cannot talk to the model by mail.
import type { ChannelName, ChannelState } from '../../contract/tables.ts';
import type { Logger } from '../../log/logger.ts';
import type { MediaFiles } from '../../media/files.ts';
import { errorMessage } from '../../util/error-message.ts';
import { type Channel, ChannelSendError, type Receive } from '../channel.ts';
import { type ChannelContext, sendNotice } from '../channel-setup.ts';
import type { EmailConfig } from './config.ts';
import { type ImapClientFactory, ImapWatcher, type SkippedMail } from './imap-watcher.ts';
import { type MailRecord, mailsToTriage, recordMailNotice, settleMail } from './mail-store.ts';
import { EmailSendError, Mailer } from './mailer.ts';
import { AccessTokens } from './oauth.ts';
import { mailNotice, skippedMailNotice, triageMail } from './triage.ts';

export interface EmailChannelOptions {
  /** Where readable attachments of new mail are kept (the data directory's media folder). */
  files?: MediaFiles;
  createClient?: ImapClientFactory;
  backoffMs?: number;
  /** At most this many mails of one backlog are triaged (default 30): a week offline must not cost a fortune. */
  maxTriageBatch?: number;
}

export class EmailChannel implements Channel {
  readonly name = 'email' as const;
  readonly maxMessageLength = 100_000;
  readonly mailer: Mailer;
  #state: { state: ChannelState; detail?: string } = { state: 'off' };
  #context: ChannelContext | undefined;
  #watcher: ImapWatcher | undefined;
  #triage: Promise<void> = Promise.resolve();
  readonly #tokens: AccessTokens | undefined;
  readonly #stop = new AbortController();

  constructor(
    private readonly config: EmailConfig,
    private readonly log: Logger,
    private readonly options: EmailChannelOptions = {},
  ) {
    this.#tokens = config.auth.kind === 'oauth2' ? new AccessTokens(config.auth) : undefined;
    this.mailer = new Mailer(config, () => this.credentials());
  }

  state() {
    return this.#state;
  }

  /** The datastore, delivery and Claude arrive once the agent has them (before start). */
  attach(context: ChannelContext): void {
    this.#context = context;
  }

  async credentials(): Promise<{ user: string; pass?: string; accessToken?: string }> {
    const auth = this.config.auth;
    if (auth.kind === 'password') return { user: auth.user, pass: auth.password.reveal() };
    return { user: auth.user, accessToken: await this.#tokens!.get() };
  }

  async start(_receive: Receive): Promise<void> {
    const context = this.#context;
    if (!context) throw new Error('EmailChannel.attach must run before start');
    this.#watcher = new ImapWatcher(this.config, {
      db: context.db,
      log: this.log,
      credentials: () => this.credentials(),
      onNewMail: () => this.#queueTriage(),
      onMailSkipped: (mail) => this.#queueSkipped(mail),
      onState: (state) => this.#setState(state),
      onAuthFailed: () => this.#tokens?.invalidate(),
      ...(this.options.files ? { files: this.options.files } : {}),
      ...(this.options.createClient ? { createClient: this.options.createClient } : {}),
      ...(this.options.backoffMs ? { backoffMs: this.options.backoffMs } : {}),
    });
    // Mail stored before a crash but not yet triaged is looked at first.
    this.#queueTriage();
    this.#watcher.start();
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#watcher?.stop();
    await this.#triage;
    this.#state = { state: 'off' };
  }

  /** A plain mail to an address (the send_message tool on the email channel). */
  async send(chatId: string, text: string): Promise<string> {
    const subject = text.split('\n')[0]!.slice(0, 80) || 'Message';
    try {
      return await this.mailer.send({ to: [chatId], cc: [], subject, text, inReplyTo: '', references: [] });
    } catch (error) {
      const permanent = error instanceof EmailSendError ? error.permanent : false;
      throw new ChannelSendError('email', errorMessage(error), permanent);
    }
  }

  async typing(): Promise<void> {}

  /** Waits until every stored mail was triaged (tests). */
  async idle(): Promise<void> {
    await this.#triage;
  }

  #queueTriage(): void {
    this.#triage = this.#triage
      .then(() => this.#triageAll())
      .catch((error) => this.log.warn({ err: error }, 'mail triage failed'));
  }

  /** The owner hears of a mail that could not be stored (after the notices of the mail stored before it). */
  #queueSkipped(mail: SkippedMail): void {
    this.#triage = this.#triage
      .then(() => this.#tellSkipped(mail))
      .catch((error) => this.log.warn({ err: error }, 'could not tell the owner about a mail passed over'));
  }

  async #tellSkipped(mail: SkippedMail): Promise<void> {
    const context = this.#context!;
    const text = skippedMailNotice(mail);
    const target = this.#target();
    if (!target) {
      // Nowhere to tell the owner: the channel's state says it (as it says that a chat to tell is missing).
      this.#setState({ state: this.#state.state, detail: text });
      return;
    }
    await sendNotice(context, target, text);
  }

  async #triageAll(): Promise<void> {
    const context = this.#context!;
    const mails = await mailsToTriage(context.db);
    const limit = this.options.maxTriageBatch ?? 30;
    const backlog = mails.slice(0, Math.max(0, mails.length - limit));
    if (backlog.length > 0) await this.#skipBacklog(backlog, limit);
    for (const mail of mails.slice(backlog.length)) {
      if (this.#stop.signal.aborted) return;
      // Paused or over budget: no call to Claude; the rule of thumb still tells the owner about personal mail.
      const claude = (await context.mayUseClaude()) ? context.claude : undefined;
      const verdict = await triageMail(mail, claude, this.#stop.signal);
      if (this.#stop.signal.aborted) return; // stays 'new': triaged at the next start
      if (verdict.fallback)
        this.log.warn({ reason: verdict.fallback }, 'mail triaged by rule, not by Claude');
      if (!verdict.important) {
        await settleMail(
          context.db,
          mail.id,
          { status: 'skipped', important: false, summary: verdict.summary },
          verdict.usage,
        );
        continue;
      }
      const target = this.#target();
      if (!target) {
        const error =
          'No chat to tell the owner about mail: set MONO_EMAIL_NOTIFY (e.g. telegram:123456789).';
        await settleMail(
          context.db,
          mail.id,
          { status: 'failed', important: true, summary: verdict.summary, error },
          verdict.usage,
        );
        this.#setState({ state: this.#state.state, detail: error });
        continue;
      }
      const notice = await recordMailNotice(
        context.db,
        mail.id,
        target,
        { text: mailNotice(mail, verdict.summary), summary: verdict.summary },
        verdict.usage,
      );
      if (notice) context.deliver(notice, target.chatId);
      this.log.info({ from: mail.from_address, notified: Boolean(notice) }, 'owner told about new mail');
    }
  }

  /** The oldest mails of a large backlog are not summarised one by one: the owner gets one line about them. */
  async #skipBacklog(backlog: MailRecord[], limit: number): Promise<void> {
    const db = this.#context!.db;
    for (const mail of backlog) {
      await settleMail(db, mail.id, { status: 'skipped', error: `backlog beyond the latest ${limit} mails` });
    }
    this.log.warn({ skipped: backlog.length }, 'large mail backlog: only the latest mails are triaged');
    const target = this.#target();
    if (!target) return;
    await sendNotice(
      this.#context!,
      target,
      `📧 ${backlog.length} older mails arrived while I was away; I only looked at the latest ${limit}. The rest are in your mailbox as usual.`,
    );
  }

  #target(): { channel: ChannelName; chatId: string } | undefined {
    if (this.config.notify) return this.config.notify;
    const owner = this.#context?.owner();
    return owner && owner.channel !== 'email' ? owner : undefined;
  }

  #setState(next: { state: ChannelState; detail?: string }): void {
    const changed = next.state !== this.#state.state || next.detail !== this.#state.detail;
    this.#state = next;
    if (changed) this.#context?.stateChanged();
  }
}
