// Sends replies over SMTP (nodemailer) and saves drafts to the mailbox's Drafts folder (IMAP APPEND), both
// threaded: In-Reply-To is the original's Message-ID, References its references plus that id.
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import MailComposer from 'nodemailer/lib/mail-composer';
import type { EmailConfig } from './config.ts';
import type { MailRecord } from './mail-store.ts';

export type Credentials = () => Promise<{ user: string; pass?: string; accessToken?: string }>;

export class EmailSendError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
    this.name = 'EmailSendError';
  }
}

export interface OutgoingReply {
  to: string[];
  cc: string[];
  subject: string;
  text: string;
  inReplyTo: string;
  references: string[];
}

/** The reply's headers: to the sender (or their Reply-To), "Re: subject", threaded on the original. */
export function buildReply(
  mail: Pick<
    MailRecord,
    'from_address' | 'reply_to' | 'subject' | 'message_id' | 'reference_ids' | 'cc_addresses' | 'to_addresses'
  >,
  text: string,
  options: { replyAll?: boolean; self: string },
): OutgoingReply {
  const to = [mail.reply_to ?? mail.from_address];
  const self = options.self.toLowerCase();
  const cc = options.replyAll
    ? [...mail.to_addresses, ...mail.cc_addresses].filter((a) => a !== self && !to.includes(a))
    : [];
  const subject = /^re:/i.test(mail.subject.trim()) ? mail.subject.trim() : `Re: ${mail.subject.trim()}`;
  return {
    to,
    cc: [...new Set(cc)],
    subject,
    text,
    inReplyTo: mail.message_id,
    references: [...mail.reference_ids.filter((r) => r !== mail.message_id), mail.message_id].slice(-20),
  };
}

export class Mailer {
  constructor(
    private readonly config: EmailConfig,
    private readonly credentials: Credentials,
  ) {}

  get canSend(): boolean {
    return this.config.smtp !== undefined;
  }

  /** Sends; resolves to the new Message-ID. */
  async send(reply: OutgoingReply): Promise<string> {
    const smtp = this.config.smtp;
    if (!smtp) throw new EmailSendError('Sending mail is off: set MONO_EMAIL_SMTP_URL.', true);
    const creds = await this.credentials();
    const transport = nodemailer.createTransport({
      host: smtp.host,
      port: smtp.port,
      secure: smtp.secure,
      auth: creds.accessToken
        ? { type: 'OAuth2', user: creds.user, accessToken: creds.accessToken }
        : { user: creds.user, pass: creds.pass ?? '' },
      tls: { rejectUnauthorized: !this.config.allowSelfSigned },
      connectionTimeout: 20_000,
      greetingTimeout: 20_000,
    });
    // Built once: the bytes sent are the bytes kept in the Sent folder.
    const composed = new MailComposer(this.#message(reply)).compile();
    const raw = await composed.build();
    const messageId = composed.messageId();
    try {
      await transport.sendMail({ envelope: { from: this.config.from, to: [...reply.to, ...reply.cc] }, raw });
    } catch (error) {
      const e = error as { code?: string; responseCode?: number; message?: string };
      const auth = e.code === 'EAUTH';
      throw new EmailSendError(
        auth
          ? `The SMTP server refused the login: check MONO_EMAIL_PASSWORD (or the OAuth2 settings).`
          : `The mail could not be sent (${e.responseCode ?? e.code ?? 'error'}: ${e.message ?? String(error)}).`,
        auth || (e.responseCode !== undefined && e.responseCode >= 500),
      );
    } finally {
      transport.close();
    }
    if (this.config.saveSent) {
      // Gmail files what goes through its SMTP server itself; most other providers do not.
      await this.#append('\\Sent', 'Sent', raw, ['\\Seen']).catch(() => undefined);
    }
    return messageId;
  }

  /** Saves the reply as a draft in the mailbox (the Drafts folder), for the owner to finish and send. */
  async saveDraft(reply: OutgoingReply): Promise<string> {
    const raw = await new MailComposer(this.#message(reply)).compile().build();
    return this.#append('\\Drafts', 'Drafts', raw, ['\\Draft', '\\Seen']);
  }

  /** Appends a message to the folder with that special use (or that name); resolves to the folder's path. */
  async #append(specialUse: string, fallback: string, raw: Buffer, flags: string[]): Promise<string> {
    const { host, port, secure } = this.config.imap;
    const client = new ImapFlow({
      host,
      port,
      secure,
      auth: await this.credentials(),
      logger: false,
      tls: { rejectUnauthorized: !this.config.allowSelfSigned },
    });
    await client.connect();
    try {
      const folders = await client.list();
      const folder = folders.find((f) => f.specialUse === specialUse)?.path ?? fallback;
      await client.append(folder, raw, flags);
      return folder;
    } finally {
      await client.logout().catch(() => client.close());
    }
  }

  #message(reply: OutgoingReply) {
    return {
      from: this.config.from,
      to: reply.to,
      ...(reply.cc.length ? { cc: reply.cc } : {}),
      subject: reply.subject,
      text: reply.text,
      inReplyTo: reply.inReplyTo,
      references: reply.references,
    };
  }
}
