// Turns a raw RFC 5322 message (from IMAP) into the fields MONO keeps: sender, subject, plain text, threading.
import { type AddressObject, simpleParser } from 'mailparser';
import type { MailFile, MailPart } from './mail-files.ts';

const MAX_TEXT = 20_000;
/** Attachment types worth keeping for Claude (the bytes decide after that; senders' types are often generic). */
const READABLE_TYPES = /^(image\/|application\/pdf|text\/plain|application\/octet-stream)/i;
/** A Date header this far ahead of now is a wrong clock or a trick to stay on top of the list, not a date. */
const MAX_AHEAD_MS = 86_400_000;

export interface ParsedMail {
  messageId: string;
  fromAddress: string;
  fromName: string;
  replyTo?: string;
  to: string[];
  cc: string[];
  subject: string;
  /** When the mail was sent, as its Date header says; the time it arrived when that is absurd or missing. */
  date: Date;
  /** The Date header, when it was absurd and `date` is the time the mail arrived instead (for the log). */
  claimedDate?: string;
  text: string;
  inReplyTo?: string;
  references: string[];
  attachments: string[];
  /** Attachments Claude may be able to read (images, PDFs, text), to be checked and kept (mail-files.ts). */
  parts: MailPart[];
  /** The ones kept, once they were (stored on the mail row). */
  files?: MailFile[];
  /** Bulk mail (newsletters, notifications): a hint for triage, not a verdict. */
  bulk: boolean;
}

export async function parseMail(source: Buffer, fallbackId: string, receivedAt?: Date): Promise<ParsedMail> {
  const mail = await simpleParser(source, { skipImageLinks: true, skipTextToHtml: true });
  const from = firstAddress(mail.from);
  const text = (mail.text ?? (typeof mail.html === 'string' ? stripHtml(mail.html) : '')).trim();
  const references = Array.isArray(mail.references)
    ? mail.references
    : mail.references
      ? [mail.references]
      : [];
  const headers = mail.headers;
  const bulk =
    headers.has('list-unsubscribe') ||
    headers.has('list-id') ||
    /^(bulk|list|junk)$/i.test(String(headers.get('precedence') ?? '')) ||
    /^(no-?reply|mailer-daemon|notifications?)@/i.test(from?.address ?? '');
  const replyTo = firstAddress(mail.replyTo)?.address;
  const date = sentDate(mail.date, receivedAt);
  return {
    messageId: (mail.messageId ?? fallbackId).slice(0, 500),
    fromAddress: (from?.address ?? '').toLowerCase(),
    fromName: from?.name || from?.address || 'unknown sender',
    ...(replyTo ? { replyTo } : {}),
    to: addresses(mail.to),
    cc: addresses(mail.cc),
    subject: (mail.subject ?? '(no subject)').slice(0, 500),
    date,
    ...(mail.date && date !== mail.date ? { claimedDate: dateHeader(mail.headerLines) } : {}),
    text: text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}…` : text,
    ...(mail.inReplyTo ? { inReplyTo: mail.inReplyTo } : {}),
    references: references.slice(-50),
    attachments: mail.attachments.map((a) => a.filename ?? a.contentType).slice(0, 50),
    parts: mail.attachments
      .filter((a) => READABLE_TYPES.test(a.contentType ?? '') && Buffer.isBuffer(a.content))
      .map((a) => ({
        ...(a.filename ? { name: a.filename } : {}),
        ...(a.contentType ? { contentType: a.contentType } : {}),
        content: a.content,
      })),
    bulk,
  };
}

/**
 * The sender's date when it is plausible, else the time the mail arrived (the server's), else now. Anyone can
 * write any Date header: year 270000 parses but the datastore cannot hold it (its datetimes end in year 262142),
 * and a date before 1970 or days ahead would sort the mail to the bottom or keep it on top of every list.
 */
export function sentDate(claimed: Date | undefined, receivedAt: Date | undefined, now = Date.now()): Date {
  if (claimed && plausible(claimed, now)) return claimed;
  if (receivedAt && plausible(receivedAt, now)) return receivedAt;
  return new Date(now);
}

function plausible(date: Date, now: number): boolean {
  const time = date.getTime();
  return Number.isFinite(time) && time > 0 && time <= now + MAX_AHEAD_MS;
}

function dateHeader(lines: readonly { key: string; line: string }[]): string {
  const line = lines.find((header) => header.key === 'date')?.line ?? '';
  return line.replace(/^date:\s*/i, '').slice(0, 200);
}

function firstAddress(value: AddressObject | AddressObject[] | undefined) {
  const list = Array.isArray(value) ? value : value ? [value] : [];
  return list.flatMap((object) => object.value)[0];
}

function addresses(value: AddressObject | AddressObject[] | undefined): string[] {
  const list = Array.isArray(value) ? value : value ? [value] : [];
  return list
    .flatMap((object) => object.value)
    .flatMap((address) => (address.address ? [address.address.toLowerCase()] : []))
    .slice(0, 100);
}

function stripHtml(html: string): string {
  return html
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, '')
    .replace(/<br\s*\/?>|<\/p>/gi, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/\n{3,}/g, '\n\n');
}
