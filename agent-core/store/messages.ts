// Messages in the datastore: store inbound (deduplicated), claim a turn, record a reply, track delivery.
// Each function is one round trip (one multi-statement query), because every message passes through them.
import { RecordId, type Surreal } from 'surrealdb';
import { ADD_USAGE, serialUsageWrite } from '../budget/usage.ts';
import type { InboundMessage } from '../channels/channel.ts';
import type { ChannelName, TokenUsage, ToolCallRecord } from '../contract/tables.ts';
import { type Attachment, previewText } from '../media/attachments.ts';
import { transaction, transactionResults } from './transaction.ts';

export interface StoredInbound {
  id: RecordId;
  conversation: RecordId;
  /** False when the channel delivered this message before (it was stored then). */
  isNew: boolean;
  /** The contact was approved in the datastore (pairing); allowlists from the environment are checked by the caller. */
  contactAllowed: boolean;
  /** For a new message: already marked for its turn (status 'processing'), as claimInbound would return it. */
  claimed?: ClaimedInbound;
}

/** One turn of a conversation's history; `untrusted`: the kinds of untrusted content it carries (agent/untrusted.ts). */
export interface HistoryTurn {
  role: 'user' | 'assistant';
  text: string;
  created_at: Date;
  untrusted?: string[];
  /** Files of a user message (images and documents become content blocks, voice its transcript). */
  attachments?: Attachment[];
}

/** The conversation as it stood when a message was stored: its summary and the turns after it, oldest first. */
export interface HistoryAtStore {
  turns: HistoryTurn[];
  summary?: string;
  summary_until?: Date;
}

export interface MessageRecord {
  id: RecordId;
  conversation: RecordId;
  sender?: RecordId;
  readable: boolean;
  channel: ChannelName;
  direction: 'in' | 'out';
  /** 'owner': the owner wrote it to the contact themselves (contract/desktop-chat.ts). */
  role: 'user' | 'assistant' | 'notice' | 'owner';
  text: string;
  status: string;
  reply_to?: RecordId;
  /** Inbound: files that came with it (see media/attachments.ts). */
  attachments?: Attachment[];
  parts_sent: number;
  attempts: number;
  created_at: Date;
  /** Outbound: a send attempt may be out (see delivery/in-flight.ts). */
  sending_since?: Date;
  /** Outbound: MONO stopped mid-send; sent again, it may have arrived twice. */
  fate?: 'unknown';
}

// Ids are "<channel>:<id>" strings, not arrays: SurrealDB 3.0 does not use an index on a field that links to a
// record with an array id (every history query would scan the whole message table).
export function conversationId(channel: ChannelName, chatId: string): RecordId {
  return new RecordId('conversation', `${channel}:${chatId}`);
}

export function contactId(channel: ChannelName, userId: string): RecordId {
  return new RecordId('contact', `${channel}:${userId}`);
}

const PREVIEW_LENGTH = 120;

/** How a message the owner wrote to a contact themselves starts in the history sent to Claude. */
export const OWNER_WROTE = '[Written by the owner personally, not by you:]';

const STORE_INBOUND = `
  LET $existing = (SELECT VALUE id FROM message WHERE dedup = $dedup LIMIT 1)[0];
  LET $known = (SELECT allowed, name, username FROM ONLY $contact_id);
  -- Written only when new or renamed: most messages come from someone already known.
  LET $contact = IF $known.name = $name AND $known.username = $username { $known } ELSE {
    (UPSERT $contact_id MERGE { channel: $channel, external_id: $user, name: $name, username: $username })[0]
  };
  LET $created = IF $existing { NONE } ELSE {
    UPSERT $conversation SET channel = $channel, chat_id = $chat, contact = $contact_id, title = $name,
      last_message_at = $at, last_message_preview = $preview, unread += 1;
    (CREATE message CONTENT {
      conversation: $conversation, channel: $channel, direction: 'in', role: 'user', text: $text,
      sender: $contact_id, readable: $readable, dedup: $dedup, external_id: $message_id, untrusted: $untrusted,
      attachments: $attachments,
      status: 'processing', attempts: 1, created_at: time::now(), updated_at: time::now()
    })[0]
  };
  -- For HISTORY_AT_STORE (plain variables: the SELECT's WHERE clause must not hold field paths).
  LET $summary = IF $created AND $history_limit { (SELECT summary, summary_until FROM ONLY $conversation) };
  LET $since = $summary.summary_until;
  LET $until = $created.created_at ?? d'1970-01-01T00:00:00Z';`;

// Last: statements after a RETURN do not run.
const STORE_RESULT = `
  RETURN { id: $existing ?? $created.id, isNew: $existing = NONE, allowed: $contact.allowed ?? false,
           message: $created, summary: $summary, owner_until: IF $created { $conversation.owner_until } };`;

// What the history is: a conversation's user messages that were not ignored and the replies, up to $until and after
// $since (older ones are summarized), newest first. Read by loadHistory and with a stored message. A reply still
// being written ('streaming') is not part of it. What the owner wrote to the contact themselves is on the agent's
// side of the conversation (it came from the agent's account), marked so Claude does not take it for its own.
const HISTORY = `SELECT IF role = 'owner' { 'assistant' } ELSE { role } AS role,
    IF role = 'owner' { '${OWNER_WROTE} ' + text } ELSE { text } AS text, created_at, untrusted, attachments
    FROM message
  WHERE conversation = $conversation AND created_at <= $until AND ($since = NONE OR created_at > $since)
    AND ((role = 'user' AND status != 'ignored') OR (role IN ['assistant', 'owner'] AND status != 'streaming'))
  ORDER BY created_at DESC LIMIT $history_limit`;

// Up to the message just stored. A statement of its own: as a subquery (inside LET or IF) the engine does not
// use the message_thread index and reads the whole table (~20 ms at 1,000 rows).
const HISTORY_AT_STORE = `\n  ${HISTORY};`;

/**
 * What a message is marked with (agent/untrusted.ts): the channel's marks, and `file` when files came with it —
 * their contents (an image, a document, a transcript) reach Claude with the message.
 */
function inboundMarks(message: InboundMessage): string[] | undefined {
  const marks = new Set<string>(message.untrusted ?? []);
  if (message.attachments?.length) marks.add('file');
  return marks.size > 0 ? [...marks] : undefined;
}

/**
 * Stores an inbound message unless the channel delivered it before. With `historyLimit`, the same round trip also
 * reads the conversation's history up to this message (at most that many turns after its summary), which the turn
 * then needs no query of its own for (HistoryPrefetch decides when that read is still exact at the turn).
 */
export async function storeInbound(
  db: Surreal,
  message: InboundMessage,
  options: { historyLimit?: number } = {},
): Promise<StoredInbound> {
  const dedup = `${message.channel}:${message.chatId}:${message.messageId}`;
  const results = await transactionResults(
    db,
    `${STORE_INBOUND}${options.historyLimit ? HISTORY_AT_STORE : ''}${STORE_RESULT}`,
    {
      dedup,
      contact_id: contactId(message.channel, message.userId),
      conversation: conversationId(message.channel, message.chatId),
      channel: message.channel,
      user: message.userId,
      chat: message.chatId,
      name: message.name,
      username: message.username,
      text: message.text,
      readable: message.readable,
      untrusted: inboundMarks(message),
      message_id: message.messageId,
      // Fetched after the message is stored (the turn does it): only what the channel said is known yet.
      attachments: message.attachments?.length
        ? message.attachments.map((attachment) => ({ ...attachment, status: 'pending' }))
        : undefined,
      at: message.at,
      preview: previewText(message.text, message.attachments).slice(0, PREVIEW_LENGTH),
      history_limit: options.historyLimit,
    },
  );
  // The statements end with [SELECT the history;] RETURN …; COMMIT.
  const result = results[results.length - 2] as {
    id: RecordId;
    isNew: boolean;
    allowed: boolean;
    message?: MessageRecord;
    summary?: { summary?: string; summary_until?: Date };
    owner_until?: unknown;
  };
  let history: HistoryAtStore | undefined;
  if (options.historyLimit && result.message) {
    const summary = result.summary;
    history = {
      turns: (results[results.length - 3] as HistoryAtStore['turns']).reverse(),
      ...(summary?.summary ? { summary: summary.summary } : {}),
      ...(summary?.summary_until ? { summary_until: summary.summary_until } : {}),
    };
  }
  return {
    id: result.id,
    conversation: conversationId(message.channel, message.chatId),
    isNew: result.isNew,
    contactAllowed: result.allowed,
    // A new message is claimed for its turn in the same transaction: the turn skips a round trip.
    ...(result.message
      ? {
          claimed: {
            ...result.message,
            contact: { external_id: message.userId, name: message.name, allowed: result.allowed },
            chat_id: message.chatId,
            ...(result.owner_until ? { owner_until: result.owner_until } : {}),
            ...(history ? { history } : {}),
          },
        }
      : {}),
  };
}

export interface ClaimedInbound extends MessageRecord {
  /** The sender's contact row, for the allowlist and pairing checks. */
  contact: { external_id: string; name: string; allowed: boolean };
  chat_id: string;
  /** Until when the owner answers the conversation themselves (contract/desktop-chat.ts), if they stepped in. */
  owner_until?: unknown;
  /** Read when the message was stored (storeInbound's historyLimit); absent: the turn loads it. */
  history?: HistoryAtStore;
}

/** Marks an inbound message as being answered; resolves to undefined when it is already answered or failed. */
export async function claimInbound(db: Surreal, id: RecordId): Promise<ClaimedInbound | undefined> {
  const [rows] = await db
    .query<[ClaimedInbound[]]>(
      `UPDATE $id SET status = 'processing', attempts += 1, updated_at = time::now()
       WHERE status IN ['received', 'processing']
       RETURN *, sender.{ external_id, name, allowed } AS contact, conversation.chat_id AS chat_id,
         conversation.owner_until AS owner_until`,
      { id },
    )
    .collect();
  return rows[0];
}

export async function setInboundStatus(
  db: Surreal,
  id: RecordId,
  status: 'ignored' | 'failed',
  error?: string,
) {
  await db
    .query(`UPDATE $id SET status = $status, error = $error, updated_at = time::now()`, { id, status, error })
    .collect();
}

/** A message that arrived while paused waits for the resume ('received': a restart picks it up too). */
export async function holdInbound(db: Surreal, id: RecordId): Promise<void> {
  await db.query(`UPDATE $id SET status = 'received', updated_at = time::now()`, { id }).collect();
}

/** The owner is answering this conversation themselves: the message is theirs, MONO does not answer it. */
export async function leaveToOwner(db: Surreal, id: RecordId): Promise<void> {
  await db
    .query(`UPDATE $id SET status = 'answered', answered_by = 'owner', updated_at = time::now()`, { id })
    .collect();
}

/**
 * The messages waiting since a pause, oldest first; with `skip` they are settled as ignored in the same query
 * (the owner chose not to have them answered).
 */
export async function releaseHeld(
  db: Surreal,
  skip: boolean,
): Promise<{ id: RecordId; conversation: RecordId }[]> {
  const [rows] = await db
    .query<[{ id: RecordId; conversation: RecordId }[]]>(
      skip
        ? `UPDATE message SET status = 'ignored', updated_at = time::now(),
             error = 'Not answered: it arrived while MONO was paused, and the owner resumed with /resume skip.'
           WHERE status = 'received' AND direction = 'in' RETURN id, conversation, created_at`
        : `SELECT id, conversation, created_at FROM message WHERE status = 'received' AND direction = 'in'
           ORDER BY created_at ASC`,
    )
    .collect();
  return rows;
}

/**
 * The conversation up to and including `until` (and after `since`, where older turns are summarized): user
 * messages and the agent's replies, oldest first.
 */
export async function loadHistory(
  db: Surreal,
  conversation: RecordId,
  until: Date,
  limit: number,
  since?: Date,
) {
  const [rows] = await db
    .query<[HistoryTurn[]]>(
      `SELECT role, text, created_at, untrusted, attachments FROM (${HISTORY}) ORDER BY created_at ASC`,
      { conversation, until, history_limit: limit, since },
    )
    .collect();
  return rows;
}

export interface NewReply {
  inbound: RecordId;
  conversation: RecordId;
  channel: ChannelName;
  role: 'assistant' | 'notice';
  text: string;
  /** Status given to the inbound message in the same transaction. */
  inboundStatus: 'answered' | 'failed' | 'ignored';
  error?: string;
  usage?: TokenUsage;
  /** The tools Claude used for this reply, with their results (shown by the desktop). */
  toolCalls?: ToolCallRecord[];
  /** Calls to Claude behind this reply (a tool loop makes several); default 1. */
  requests?: number;
  /** Untrusted content found while writing it (agent/untrusted.ts): later turns that see it are tainted. */
  untrusted?: string[];
}

/**
 * Records the reply to an inbound message (pending delivery) and settles the inbound message, atomically.
 * The unique index on reply_to makes a second reply to the same message impossible, even across crashes:
 * then the existing reply is returned instead. A reply row still being written ('streaming', agent/reply-draft.ts)
 * becomes the reply, keeping its place in the thread. When the owner stepped into the conversation meanwhile, the
 * message is left to them: no reply (undefined), its cost recorded all the same.
 */
export async function recordReply(db: Surreal, reply: NewReply): Promise<MessageRecord | undefined> {
  const usage = reply.usage;
  const record = () =>
    transaction<MessageRecord | undefined>(
      db,
      `LET $existing = (SELECT * FROM message WHERE reply_to = $inbound LIMIT 1)[0];
       LET $done = $existing != NONE AND $existing.status != 'streaming';
       LET $left = !$done AND $conversation.owner_until > time::now();
       RETURN IF $done { $existing } ELSE {
         UPDATE $inbound SET status = IF $left { 'answered' } ELSE { $inbound_status },
           answered_by = IF $left { 'owner' } ELSE { NONE }, error = IF $left { NONE } ELSE { $error },
           updated_at = time::now();
         IF $usage {
           LET $day = time::format(time::now(), '%Y-%m-%d');
           ${ADD_USAGE};
         };
         IF $left {
           IF $existing { DELETE $existing.id };
           NONE
         } ELSE {
           UPDATE $conversation SET last_message_at = time::now(), last_message_preview = $preview;
           IF $existing {
             -- In flight from here: it is sent right after this commits (delivery/in-flight.ts).
             (UPDATE $existing.id SET role = $role, text = $text, status = 'pending', usage = $usage,
                tool_calls = $tool_calls, untrusted = $untrusted, sending_since = time::now(),
                updated_at = time::now())[0]
           } ELSE {
             (CREATE message CONTENT {
               conversation: $conversation, channel: $channel, direction: 'out', role: $role, text: $text,
               status: 'pending', reply_to: $inbound, usage: $usage, tool_calls: $tool_calls, untrusted: $untrusted,
               sending_since: time::now(), created_at: time::now(), updated_at: time::now()
             })[0]
           }
         }
       };`,
      {
        inbound: reply.inbound,
        conversation: reply.conversation,
        channel: reply.channel,
        role: reply.role,
        text: reply.text,
        inbound_status: reply.inboundStatus,
        error: reply.error,
        usage,
        tool_calls: reply.toolCalls?.length ? reply.toolCalls : undefined,
        untrusted: reply.untrusted?.length ? reply.untrusted : undefined,
        requests: reply.requests ?? 1,
        preview: reply.text.slice(0, PREVIEW_LENGTH),
      },
    );
  // With usage the transaction adds to today's usage row: see serialUsageWrite.
  const stored = await (usage ? serialUsageWrite(db, record) : record());
  return stored ?? undefined;
}

export interface NewOutbound {
  channel: ChannelName;
  chatId: string;
  role: 'assistant' | 'notice';
  text: string;
  usage?: TokenUsage;
  toolCalls?: ToolCallRecord[];
  /** Untrusted content found while writing it (agent/untrusted.ts). */
  untrusted?: string[];
}

/**
 * Stores a message MONO starts itself (a job's answer, a notice to the owner, a hook summary), pending
 * delivery; the conversation is created when the chat has none yet. Resolves to the record and its chat id.
 */
export async function recordOutbound(
  db: Surreal,
  message: NewOutbound,
  /** A statement run in the same transaction, after the message exists as `$created` (e.g. settle a job run). */
  also?: { statement: string; vars: Record<string, unknown> },
): Promise<MessageRecord> {
  const conversation = conversationId(message.channel, message.chatId);
  return transaction<MessageRecord>(
    db,
    // The title is read first: inside UPSERT … SET this engine reads the record's own fields as NONE, so
    // `title = title ?? $chat` renamed every conversation a job or notice posted into to its chat id.
    `LET $title = (SELECT VALUE title FROM ONLY $conversation) ?? (SELECT VALUE name FROM ONLY $contact);
     UPSERT $conversation SET channel = $channel, chat_id = $chat, title = $title ?? $chat,
       last_message_at = time::now(), last_message_preview = $preview;
     LET $created = (CREATE message CONTENT {
       conversation: $conversation, channel: $channel, direction: 'out', role: $role, text: $text,
       status: 'pending', usage: $usage, tool_calls: $tool_calls, untrusted: $untrusted, created_at: time::now(),
       updated_at: time::now()
     })[0];
     ${also?.statement ?? ''}
     RETURN $created;`,
    {
      ...also?.vars,
      conversation,
      // In private chats the chat id is the person's id: their contact names a new conversation.
      contact: contactId(message.channel, message.chatId),
      channel: message.channel,
      chat: message.chatId,
      role: message.role,
      text: message.text,
      usage: message.usage,
      tool_calls: message.toolCalls?.length ? message.toolCalls : undefined,
      untrusted: message.untrusted?.length ? message.untrusted : undefined,
      preview: message.text.slice(0, PREVIEW_LENGTH),
    },
  );
}

/** Records that parts [0, partsSent) of an outbound message went out; the last part marks it sent. */
export async function recordDelivery(
  db: Surreal,
  id: RecordId,
  progress: { partsSent: number; done: boolean; externalId?: string },
): Promise<void> {
  await db
    .query(
      `UPDATE $id SET parts_sent = $parts, status = IF $done { 'sent' } ELSE { status },
         sending_since = IF $done { NONE } ELSE { sending_since },
         external_id = external_id ?? $external_id, updated_at = time::now()`,
      { id, parts: progress.partsSent, done: progress.done, external_id: progress.externalId },
    )
    .collect();
}

export async function markOutboundFailed(db: Surreal, id: RecordId, error: string): Promise<void> {
  await db
    .query(`UPDATE $id SET status = 'failed', error = $error, updated_at = time::now()`, { id, error })
    .collect();
}

/** A delivery the channel reported as failed later (a status webhook), found by the channel's own message id. */
export async function markDeliveryFailed(
  db: Surreal,
  channel: ChannelName,
  externalId: string,
  error: string,
): Promise<void> {
  await db
    .query(
      `UPDATE message SET status = 'failed', error = $error, updated_at = time::now()
       WHERE external_id = $external_id AND direction = 'out' AND channel = $channel`,
      { external_id: externalId, error, channel },
    )
    .collect();
}

/**
 * What a restart must finish: replies not (fully) sent, and inbound messages not yet answered. Replies the last run
 * was still writing are removed: their messages are answered again from the start, into a new row.
 */
export async function loadUnfinished(
  db: Surreal,
): Promise<{ outbound: MessageRecord[]; inbound: MessageRecord[] }> {
  const [, outbound, inbound] = await db
    .query<[unknown, MessageRecord[], MessageRecord[]]>(
      `DELETE message WHERE status = 'streaming';
       SELECT *, conversation.chat_id AS chat_id FROM message WHERE status = 'pending' ORDER BY created_at ASC;
       SELECT * FROM message WHERE status IN ['received', 'processing'] ORDER BY created_at ASC;`,
    )
    .collect();
  return { outbound, inbound };
}
