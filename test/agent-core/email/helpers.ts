// Shared setup for the email tests: a real Dovecot, an SMTP sink, a datastore, and mail to append.
import { ImapFlow } from 'imapflow';
import type { ClaudeClient } from '../../../agent-core/agent/claude.ts';
import type { EmailConfig } from '../../../agent-core/channels/email/config.ts';
import { Secret } from '../../../agent-core/config/secret.ts';
import type { Dovecot } from '../../fakes/imap-dovecot.ts';
import type { SmtpSink } from '../../fakes/smtp-sink.ts';

export const OWNER_MAIL = 'owner@example.org';
export const PASSWORD = 'app-password-1';

export function emailConfig(
  dovecot: Dovecot,
  smtp: SmtpSink,
  overrides: Partial<EmailConfig> = {},
): EmailConfig {
  return {
    imap: { host: '127.0.0.1', port: dovecot.port, secure: false },
    smtp: { host: '127.0.0.1', port: smtp.port, secure: false },
    auth: { kind: 'password', user: OWNER_MAIL, password: new Secret(PASSWORD) },
    from: OWNER_MAIL,
    mailbox: 'INBOX',
    notify: { channel: 'telegram', chatId: '1001' },
    allowSelfSigned: false,
    saveSent: true,
    ...overrides,
  };
}

let counter = 0;

/** A mail as another person's client would send it (RFC 5322 with CRLF). */
export function rawMail(input: {
  from: string;
  subject: string;
  text: string;
  messageId?: string;
  references?: string;
  headers?: string[];
  /** The Date header as written (default: now). */
  date?: string;
}): string {
  const id = input.messageId ?? `<m${Date.now()}.${counter++}@sender.example>`;
  return [
    `From: ${input.from}`,
    `To: Owner <${OWNER_MAIL}>`,
    `Subject: ${input.subject}`,
    `Date: ${input.date ?? new Date().toUTCString()}`,
    `Message-ID: ${id}`,
    ...(input.references ? [`References: ${input.references}`] : []),
    ...(input.headers ?? []),
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    input.text,
    '',
  ].join('\r\n');
}

/** A mail with attachments (multipart/mixed, base64 parts), as a mail client builds it. */
export function mimeMail(subject: string, files: { name: string; type: string; bytes: Buffer }[]): string {
  const boundary = `----mono-${counter++}`;
  const parts = files.map((file) =>
    [
      `--${boundary}`,
      `Content-Type: ${file.type}; name="${file.name}"`,
      `Content-Disposition: attachment; filename="${file.name}"`,
      'Content-Transfer-Encoding: base64',
      '',
      file.bytes.toString('base64').replace(/.{76}/g, '$&\r\n'),
    ].join('\r\n'),
  );
  return [
    'From: Billing <billing@shop.example>',
    `To: Owner <${OWNER_MAIL}>`,
    `Subject: ${subject}`,
    `Date: ${new Date().toUTCString()}`,
    `Message-ID: <att${Date.now()}.${counter++}@shop.example>`,
    'MIME-Version: 1.0',
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Please find the invoice attached.',
    ...parts,
    `--${boundary}--`,
    '',
  ].join('\r\n');
}

/** Puts mail into the mailbox the way delivery would (IMAP APPEND as the mailbox owner). */
export async function deliverMail(dovecot: Dovecot, raws: string[], mailbox = 'INBOX'): Promise<void> {
  const client = new ImapFlow({
    host: '127.0.0.1',
    port: dovecot.port,
    secure: false,
    auth: { user: OWNER_MAIL, pass: PASSWORD },
    logger: false,
  });
  await client.connect();
  for (const raw of raws) await client.append(mailbox, raw);
  await client.logout();
}

/** Raw messages in a folder (e.g. Drafts). */
export async function readFolder(dovecot: Dovecot, mailbox: string): Promise<string[]> {
  const client = new ImapFlow({
    host: '127.0.0.1',
    port: dovecot.port,
    secure: false,
    auth: { user: OWNER_MAIL, pass: PASSWORD },
    logger: false,
  });
  await client.connect();
  const lock = await client.getMailboxLock(mailbox);
  const out: string[] = [];
  try {
    for await (const message of client.fetch('1:*', { source: true }))
      out.push(message.source!.toString('utf8'));
  } catch {
    // An empty folder has no 1:*.
  } finally {
    lock.release();
    await client.logout();
  }
  return out;
}

/** A Claude stand-in for triage: newsletters are not important, everything else is, with a fixed summary. */
export function triageClaude(calls: string[] = []): ClaudeClient {
  return {
    model: 'claude-test',
    call: () => Promise.reject(new Error('not used')),
    async reply({ history }) {
      const text = history[0]!.text;
      calls.push(text);
      const important = !/newsletter/i.test(text);
      const subject = /Subject: (.*)/.exec(text)?.[1] ?? '';
      return {
        text: JSON.stringify({ important, summary: `Summary of ${subject}` }),
        usage: {
          model: 'claude-test',
          input_tokens: 100,
          output_tokens: 20,
          cache_creation_input_tokens: 0,
          cache_read_input_tokens: 0,
          cost_usd: 0.001,
        },
        stopReason: 'end_turn',
      };
    },
  };
}

export async function until(
  check: () => boolean | Promise<boolean>,
  what: string,
  ms = 10_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`still not true after ${ms} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
