// SmtpSink: a real SMTP server on loopback (the smtp-server package) that checks the login and records every
// message with its envelope and parsed headers, so tests see exactly what a mail provider would receive.
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { Signal, waitUntil } from './http-util.ts';

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
  subject: string;
  text: string;
  messageId?: string;
  inReplyTo?: string;
  references: string[];
  headerTo: string[];
  headerCc: string[];
}

export class SmtpSink {
  readonly received: ReceivedMail[] = [];
  /** Logins tried (user names), accepted or not. */
  readonly logins: string[] = [];
  port = 0;
  readonly #changed = new Signal();
  readonly #server: SMTPServer;

  constructor(
    readonly credentials: { user: string; password: string },
    /** Set: XOAUTH2 logins are accepted when this says the access token is valid. */
    readonly validToken?: (token: string) => boolean,
  ) {
    this.#server = new SMTPServer({
      secure: false,
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      authMethods: validToken ? ['PLAIN', 'LOGIN', 'XOAUTH2'] : ['PLAIN', 'LOGIN'],
      logger: false,
      onAuth: (auth, _session, callback) => {
        this.logins.push(auth.username ?? '');
        if (auth.method === 'XOAUTH2') {
          if (auth.username === credentials.user && validToken?.(auth.accessToken ?? '')) {
            return callback(null, { user: auth.username });
          }
          return callback(null, {
            data: { status: '401', schemes: 'bearer', scope: 'https://mail.google.com/' },
          });
        }
        if (auth.username === credentials.user && auth.password === credentials.password) {
          return callback(null, { user: auth.username });
        }
        return callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks);
          void simpleParser(raw).then((mail) => {
            const list = (value: typeof mail.to) =>
              (Array.isArray(value) ? value : value ? [value] : []).flatMap((a) =>
                a.value.map((v) => v.address ?? ''),
              );
            const references = Array.isArray(mail.references)
              ? mail.references
              : mail.references
                ? [mail.references]
                : [];
            this.received.push({
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              to: session.envelope.rcptTo.map((r) => r.address),
              raw: raw.toString('utf8'),
              subject: mail.subject ?? '',
              text: (mail.text ?? '').trim(),
              ...(mail.messageId ? { messageId: mail.messageId } : {}),
              ...(mail.inReplyTo ? { inReplyTo: mail.inReplyTo } : {}),
              references,
              headerTo: list(mail.to),
              headerCc: list(mail.cc),
            });
            this.#changed.emit();
            callback();
          }, callback);
        });
      },
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(0, '127.0.0.1', () => resolve());
    });
    this.port = (this.#server.server.address() as { port: number }).port;
    return this;
  }

  /** smtp://user@127.0.0.1:port (the password goes separately). */
  url(): string {
    return `smtp://${encodeURIComponent(this.credentials.user)}@127.0.0.1:${this.port}`;
  }

  waitFor(n: number, timeoutMs = 5000): Promise<ReceivedMail[]> {
    return waitUntil(
      () => (this.received.length >= n ? this.received.slice(0, n) : undefined),
      this.#changed.subscribe,
      timeoutMs,
      () => `expected ${n} mails, got ${this.received.length}`,
    );
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}
