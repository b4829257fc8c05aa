// Mail in the datastore: the UID cursor per mailbox, new mail stored once (Message-ID), triage results, and the
// notice to the owner created exactly once per mail (claimed in the same transaction that creates it).
import {
  AuthenticationError,
  CallTerminatedError,
  ConnectionUnavailableError,
  HttpConnectionError,
  InvalidSessionError,
  MissingNamespaceDatabaseError,
  QueryError,
  ReconnectExhaustionError,
  ReconnectIterationError,
  RecordId,
  type Surreal,
  UnexpectedConnectionError,
} from 'surrealdb';
import type { ChannelName, TokenUsage } from '../../contract/tables.ts';
import { isTransactionConflict } from '../../db/errors.ts';
import { isDiskFullError } from '../../health/disk-thresholds.ts';
import { conversationId, type MessageRecord } from '../../store/messages.ts';
import { transaction } from '../../store/transaction.ts';
import type { MailFile } from './mail-files.ts';
import type { ParsedMail } from './parse.ts';

export interface MailCursor {
  uidvalidity: number;
  last_uid: number;
}

export interface MailRecord {
  id: RecordId;
  mailbox: string;
  uid: number;
  message_id: string;
  from_address: string;
  from_name: string;
  reply_to?: string;
  to_addresses: string[];
  cc_addresses: string[];
  subject: string;
  date: Date;
  text: string;
  in_reply_to?: string;
  reference_ids: string[];
  attachments: string[];
  /** Attachments kept for Claude (images, PDFs, text). */
  files?: MailFile[];
  status: 'new' | 'notified' | 'skipped' | 'failed';
  important?: boolean;
  summary?: string;
  replied_at?: Date;
}

const cursorId = (mailbox: string) => new RecordId('mail_cursor', [mailbox]);

export async function loadCursor(db: Surreal, mailbox: string): Promise<MailCursor | undefined> {
  const [rows] = await db
    .query<[MailCursor[]]>('SELECT uidvalidity, last_uid FROM $id', { id: cursorId(mailbox) })
    .collect();
  return rows[0];
}

/** Starts (or restarts, after UIDVALIDITY changed) the cursor at `lastUid` without storing any mail. */
export async function resetCursor(db: Surreal, mailbox: string, uidvalidity: number, lastUid: number) {
  await db
    .query(
      'UPSERT $id SET mailbox = $mailbox, uidvalidity = $uidvalidity, last_uid = $last, updated_at = time::now()',
      { id: cursorId(mailbox), mailbox, uidvalidity, last: lastUid },
    )
    .collect();
}

/**
 * Stores one mail and moves the cursor past its UID, atomically: a crash between the two cannot lose or repeat
 * it. A Message-ID already stored (the same mail again, e.g. after UIDVALIDITY changed) only moves the cursor.
 */
export async function storeMail(
  db: Surreal,
  mailbox: string,
  uidvalidity: number,
  uid: number,
  mail: ParsedMail,
): Promise<{ id: RecordId; isNew: boolean }> {
  return transaction(db, STORE_MAIL, storeVars(mailbox, uidvalidity, uid, mail));
}

/**
 * storeMail once more, after it failed: resolves as storeMail does when it works this time, or throws the error
 * of the statement that failed (storeMail's error is the engine's "not executed due to a failed transaction").
 */
export async function storeMailOnce(
  db: Surreal,
  mailbox: string,
  uidvalidity: number,
  uid: number,
  mail: ParsedMail,
): Promise<{ id: RecordId; isNew: boolean }> {
  const responses = await db
    .query(`BEGIN;\n${STORE_MAIL}\nCOMMIT;`, storeVars(mailbox, uidvalidity, uid, mail))
    .responses();
  const failed = responses.flatMap((response) => (response.success ? [] : [response.error]));
  // As transaction(): the RETURN is the result before COMMIT's.
  const returned = responses[responses.length - 2];
  if (failed.length === 0 && returned?.success) return returned.result as { id: RecordId; isNew: boolean };
  // Statements before the one that failed were "not executed", the ones after "cancelled".
  throw (
    failed.find((error) => !(error instanceof QueryError && (error.isNotExecuted || error.isCancelled))) ??
    failed[0] ??
    new Error('storing the mail returned nothing')
  );
}

/** What is kept of a mail the datastore would not store: enough for the owner and the model to find it. */
export interface UnstoredMail {
  messageId: string;
  fromAddress: string;
  fromName: string;
  subject: string;
  /** When the mail arrived. */
  date: Date;
}

/**
 * Records a mail that could not be stored as `failed` (with why, and without its text) and moves the cursor past
 * it, atomically, so the mailbox goes on with the next mail; never triaged. Like storeMail, a Message-ID already
 * stored only moves the cursor.
 */
export async function recordUnstoredMail(
  db: Surreal,
  mailbox: string,
  uidvalidity: number,
  uid: number,
  mail: UnstoredMail,
  reason: string,
): Promise<{ id: RecordId; isNew: boolean }> {
  return transaction(
    db,
    `LET $existing = (SELECT VALUE id FROM mail WHERE message_id = $mail.messageId LIMIT 1)[0];
     IF $existing = NONE {
       CREATE $id CONTENT {
         mailbox: $mailbox, uid: $uid, uidvalidity: $uidvalidity, message_id: $mail.messageId,
         from_address: $mail.fromAddress, from_name: $mail.fromName, subject: $mail.subject, date: $mail.date,
         text: '', status: 'failed', error: $error, summary: $summary, created_at: time::now()
       };
     };
     ${CURSOR_UPSERT}
     RETURN { id: $existing ?? $id, isNew: $existing = NONE };`,
    {
      id: new RecordId('mail', [mailbox, uidvalidity, uid]),
      cursor: cursorId(mailbox),
      mailbox,
      uidvalidity,
      uid,
      mail,
      error: `could not be stored: ${reason}`.slice(0, 1000),
      summary: 'MONO could not store this mail (see error); it is still in the mailbox.',
    },
  );
}

/**
 * True when the datastore itself is what failed (gone, closed, disk full, timed out, a conflict), so any mail
 * would fail now and succeed later: the mail must be fetched again, never skipped. Judged by the error's class,
 * and by the text only for the disk's errno and a conflict inside a transaction (as the SDK's retry judges it).
 */
export function datastoreUnavailable(error: unknown): boolean {
  if (
    error instanceof ConnectionUnavailableError ||
    error instanceof CallTerminatedError ||
    error instanceof ReconnectExhaustionError ||
    error instanceof ReconnectIterationError ||
    error instanceof UnexpectedConnectionError ||
    error instanceof HttpConnectionError ||
    error instanceof AuthenticationError ||
    error instanceof InvalidSessionError ||
    error instanceof MissingNamespaceDatabaseError
  )
    return true;
  if (error instanceof QueryError && (error.isTimedOut || error.isCancelled || error.isTransactionConflict))
    return true;
  return isDiskFullError(error) || isTransactionConflict(error);
}

const CURSOR_UPSERT = `UPSERT $cursor SET mailbox = $mailbox, uidvalidity = $uidvalidity,
       last_uid = IF last_uid > $uid { last_uid } ELSE { $uid }, updated_at = time::now();`;

const STORE_MAIL = `LET $existing = (SELECT VALUE id FROM mail WHERE message_id = $mail.messageId LIMIT 1)[0];
     IF $existing = NONE {
       CREATE $id CONTENT {
         mailbox: $mailbox, uid: $uid, uidvalidity: $uidvalidity, message_id: $mail.messageId,
         from_address: $mail.fromAddress, from_name: $mail.fromName, reply_to: $mail.replyTo,
         to_addresses: $mail.to, cc_addresses: $mail.cc, subject: $mail.subject, date: $mail.date, text: $mail.text,
         in_reply_to: $mail.inReplyTo, reference_ids: $mail.references, attachments: $mail.attachments,
         files: $mail.files,
         status: 'new', created_at: time::now()
       };
     };
     ${CURSOR_UPSERT}
     RETURN { id: $existing ?? $id, isNew: $existing = NONE };`;

function storeVars(mailbox: string, uidvalidity: number, uid: number, mail: ParsedMail) {
  return {
    id: new RecordId('mail', [mailbox, uidvalidity, uid]),
    cursor: cursorId(mailbox),
    mailbox,
    uidvalidity,
    uid,
    // The attachments' bytes are in the kept files, not in the row; the claimed date only goes to the log.
    mail: { ...mail, parts: undefined, claimedDate: undefined },
  };
}

export async function mailsToTriage(db: Surreal): Promise<MailRecord[]> {
  const [rows] = await db
    .query<[MailRecord[]]>(`SELECT * FROM mail WHERE status = 'new' ORDER BY date ASC`)
    .collect();
  return rows;
}

/** Not worth a message (or triage failed): recorded so it is never looked at again. */
export async function settleMail(
  db: Surreal,
  id: RecordId,
  result: { status: 'skipped' | 'failed'; important?: boolean; summary?: string; error?: string },
  usage?: TokenUsage,
): Promise<void> {
  await db
    .query(
      `UPDATE $id SET status = $status, important = $important, summary = $summary, error = $error
         WHERE status = 'new';
       ${USAGE_UPSERT}`,
      { id, ...result, usage },
    )
    .collect();
}

/**
 * Marks the mail notified and creates the notice in the owner's conversation in one transaction; resolves to
 * the notice to deliver, or undefined when another run already did (so the owner is told once).
 */
export async function recordMailNotice(
  db: Surreal,
  id: RecordId,
  target: { channel: ChannelName; chatId: string },
  notice: { text: string; summary: string },
  usage?: TokenUsage,
): Promise<MessageRecord | undefined> {
  return transaction<MessageRecord | undefined>(
    db,
    `LET $claimed = (UPDATE $id SET status = 'notified', important = true, summary = $summary
                     WHERE status = 'new' RETURN AFTER)[0];
     ${USAGE_UPSERT}
     RETURN IF $claimed {
       UPSERT $conversation SET channel = $channel, chat_id = $chat, title = title ?? $chat,
         last_message_at = time::now(), last_message_preview = $preview;
       LET $notice = (CREATE message CONTENT {
         conversation: $conversation, channel: $channel, direction: 'out', role: 'notice', text: $text,
         status: 'pending', created_at: time::now(), updated_at: time::now()
       })[0];
       UPDATE $id SET notice = $notice.id;
       $notice
     } ELSE { NONE };`,
    {
      id,
      summary: notice.summary,
      text: notice.text,
      preview: notice.text.slice(0, 120),
      conversation: conversationId(target.channel, target.chatId),
      channel: target.channel,
      chat: target.chatId,
      usage,
    },
  );
}

/** Recent mail for the tools, newest first; `query` matches sender, name or subject. */
export async function recentMails(
  db: Surreal,
  query: string | undefined,
  limit: number,
): Promise<MailRecord[]> {
  const [rows] = await db
    .query<[MailRecord[]]>(
      `SELECT * FROM mail WHERE $query = NONE OR string::lowercase(from_name) CONTAINS $query
         OR from_address CONTAINS $query OR string::lowercase(subject) CONTAINS $query
       ORDER BY date DESC LIMIT $limit`,
      { query: query?.toLowerCase(), limit },
    )
    .collect();
  return rows;
}

export async function getMail(db: Surreal, id: string): Promise<MailRecord | undefined> {
  const key = parseKey(id);
  const [rows] = await db
    .query<[MailRecord[]]>(
      key ? 'SELECT * FROM $rid' : 'SELECT * FROM mail WHERE message_id = $id LIMIT 1',
      key ? { rid: new RecordId('mail', key) } : { id: id.trim() },
    )
    .collect();
  return rows[0];
}

export async function markReplied(db: Surreal, id: RecordId): Promise<void> {
  await db.query('UPDATE $id SET replied_at = time::now()', { id }).collect();
}

/** Tools refer to mails by a short handle: "INBOX/1795593846/17". */
export function mailHandle(mail: Pick<MailRecord, 'id'>): string {
  const [mailbox, uidvalidity, uid] = mail.id.id as [string, number, number];
  return `${mailbox}/${uidvalidity}/${uid}`;
}

function parseKey(handle: string): unknown[] | undefined {
  const match = /^(.+)\/(\d+)\/(\d+)$/.exec(handle.trim());
  return match ? [match[1], Number(match[2]), Number(match[3])] : undefined;
}

// Token use of the triage call, added to the day's usage like any other Claude call.
const USAGE_UPSERT = `IF $usage {
  UPSERT type::record('usage', [time::format(time::now(), '%Y-%m-%d'), $usage.model]) SET
    day = time::format(time::now(), '%Y-%m-%d'), model = $usage.model,
    requests += 1, input_tokens += $usage.input_tokens, output_tokens += $usage.output_tokens,
    cache_creation_input_tokens += $usage.cache_creation_input_tokens,
    cache_read_input_tokens += $usage.cache_read_input_tokens, cost_usd += $usage.cost_usd;
};`;
