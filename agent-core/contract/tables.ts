// The datastore contract shared by the agent and the desktop: table names and the JSON shape of each row
// (record ids as "table:id" strings, datetimes as ISO strings — what `jsonify` from the SurrealDB SDK yields).
import type { AgentFaults } from './faults.ts';

export const NAMESPACE = 'mono';
export const DATABASE = 'agent';

export const TABLES = [
  'contact',
  'conversation',
  'message',
  'job',
  'job_run',
  'event',
  'usage',
  'setting',
  'pairing',
  'agent_status',
  'memory',
  'action',
  'mail',
  'mail_cursor',
  'whatsapp_link',
  'retry_request',
  'media_preview',
  // Owners and one-time claim codes: the rows and their rules are in ./owners.ts.
  'owner',
  'owner_claim',
  // The owner's messages from the desktop's chat, waiting to be stored by the agent (./desktop-chat.ts).
  'desktop_inbox',
] as const;
export type TableName = (typeof TABLES)[number];

/** 'desktop': the owner's own chat with MONO in the desktop app (./desktop-chat.ts). */
export type ChannelName = 'telegram' | 'whatsapp' | 'email' | 'desktop';

/** Someone who wrote to the agent on one channel. */
export interface ContactRow {
  id: string;
  channel: ChannelName;
  /** The channel's own user id (Telegram user id, WhatsApp phone number, email address). */
  external_id: string;
  name: string;
  username?: string;
  /** Allowed to reach the model (allowlist or an approved pairing). */
  allowed: boolean;
  created_at: string;
}

/** One chat on one channel; turns run one at a time per conversation. */
export interface ConversationRow {
  id: string;
  channel: ChannelName;
  /** The channel's own chat id. */
  chat_id: string;
  contact?: string;
  title: string;
  last_message_at?: string;
  last_message_preview?: string;
  unread: number;
  /** Older turns, summarized once they no longer fit the history sent to Claude. */
  summary?: string;
  summary_until?: string;
  /**
   * Until when the owner is answering this conversation themselves (they wrote to the contact from the desktop):
   * MONO stays quiet in it until then. Cleared by "Resume".
   */
  owner_until?: string;
  created_at: string;
}

/**
 * Inbound: received → processing → answered | failed | ignored.
 * Outbound (the agent's replies and notices, the owner's own messages): pending → sent | failed. A reply shown as
 * it is written (the desktop's chat) is `streaming` first, its text growing, until it becomes pending.
 */
export type InboundStatus = 'received' | 'processing' | 'answered' | 'failed' | 'ignored';
export type OutboundStatus = 'streaming' | 'pending' | 'sent' | 'failed';

export interface TokenUsage {
  model: string;
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  /** Server-side web searches in these calls (billed per search, included in cost_usd). */
  web_search_requests?: number;
  web_fetch_requests?: number;
  cost_usd: number;
}

/**
 * A tool Claude used. MONO's own tools carry their input and result; the Messages API's server tools (web
 * search, web fetch) are recorded with `server: true`, the query or URL as input and the sources as result.
 */
export interface ToolCallRecord {
  id: string;
  name: string;
  input: unknown;
  result?: unknown;
  is_error?: boolean;
  server?: boolean;
}

/**
 * A file that came with an inbound message (photo, document, voice note…). `pending` until the agent fetched it
 * through the channel; then `ready` (passed to Claude), `refused` (the sender was told why, see `reason`),
 * `failed` (could not be fetched) or, once the retention period is over, `expired` (the file is deleted).
 */
export type AttachmentKind = 'image' | 'document' | 'voice' | 'audio' | 'video' | 'sticker';

export interface AttachmentRow {
  kind: AttachmentKind;
  status: 'pending' | 'ready' | 'refused' | 'failed' | 'expired';
  /** The file name the sender gave (documents). */
  name?: string;
  /** The type found in the file itself (never taken from its name). */
  mime?: string;
  bytes?: number;
  width?: number;
  height?: number;
  pages?: number;
  duration_s?: number;
  /** What a voice note or audio says (speech to text). */
  transcript?: string;
  /** Why it was not passed on: too_large, video, not_readable, not_what_it_says, no_stt, stt_failed… */
  reason?: string;
  /** A small copy exists in media_preview (id `media_preview:⟨<message key>-<index>⟩`). */
  preview?: boolean;
}

export interface MessageRow {
  id: string;
  conversation: string;
  channel: ChannelName;
  direction: 'in' | 'out';
  /**
   * user: the person; assistant: Claude's reply; notice: a message from MONO itself (pairing code, errors);
   * owner: the owner wrote to the contact themselves (from the desktop), sent like a reply.
   */
  role: 'user' | 'assistant' | 'notice' | 'owner';
  text: string;
  status: InboundStatus | OutboundStatus;
  /** The channel's own message id (inbound: the dedup key; outbound: set once sent). */
  external_id?: string;
  /** For replies: the inbound message this answers (exactly one reply per inbound message). */
  reply_to?: string;
  tool_calls?: ToolCallRecord[];
  /** Inbound: files that came with the message (the text is then the caption, possibly empty). */
  attachments?: AttachmentRow[];
  usage?: TokenUsage;
  /**
   * Kinds of untrusted content the message carries ('email', 'webhook', 'web', 'server-tool', 'guest', 'file'):
   * while it is in a conversation's history, tools that change state or spend wait for the owner's /yes.
   */
  untrusted?: string[];
  /** Inbound: 'owner' when the owner was answering this conversation themselves, so MONO left it to them. */
  answered_by?: 'owner';
  error?: string;
  attempts?: number;
  /** Outbound: MONO stopped while sending it; it was sent again and may have arrived twice. */
  fate?: 'unknown';
  created_at: string;
  updated_at: string;
}

/** Token use and cost per day and model (id: usage:[day, model]). */
export interface UsageRow {
  id: string;
  day: string;
  model: string;
  requests: number;
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  /** Web searches (counted per day; their cost is part of cost_usd). */
  web_search_requests?: number;
  web_fetch_requests?: number;
  /** Speech to text: seconds of audio transcribed (a row whose model is the transcription model). */
  audio_seconds?: number;
  cost_usd: number;
}

/** Owner settings (id: setting:<key>), e.g. setting:system_prompt. Secrets never live here. */
export interface SettingRow {
  id: string;
  key: string;
  value: unknown;
  updated_at: string;
}

/** A stranger asking to talk to the agent; the owner approves or denies the code. */
export interface PairingRow {
  id: string;
  channel: ChannelName;
  external_id: string;
  chat_id: string;
  name: string;
  code: string;
  status: 'pending' | 'approved' | 'denied';
  created_at: string;
  decided_at?: string;
}

/**
 * `rejected`: the service refused MONO's credentials (a revoked or mistyped token or key) — only the owner can fix
 * it. `unreachable`: the service could not be reached (network, DNS, outage) — MONO keeps trying by itself.
 */
export type ChannelState =
  | 'polling'
  | 'webhook'
  | 'connected'
  | 'connecting'
  | 'rejected'
  | 'unreachable'
  | 'error'
  | 'off';

/** Claude as the agent last found it: `unchecked` until the key was tried (at start, or by the first message). */
export type ClaudeState = 'ok' | 'rejected' | 'unreachable' | 'error' | 'unchecked' | 'off';

/** One row (agent_status:current) the agent keeps fresh for the desktop. */
export interface AgentStatusRow {
  id: string;
  version: string;
  started_at: string;
  heartbeat_at: string;
  paused: boolean;
  /** False while nobody owns the agent (see ./owners.ts): it then answers everyone that it is not set up yet. */
  has_owner?: boolean;
  /** The budget period ("day:YYYY-MM-DD" / "month:YYYY-MM") the owner was last told about. */
  budget_notice?: string;
  channels: Partial<Record<ChannelName, { state: ChannelState; detail?: string; updated_at: string }>>;
  /** Whether Claude accepts the agent's key (and can be reached), with the reason when it does not. */
  claude?: { state: ClaudeState; detail?: string; updated_at: string };
  /** A full disk, short memory, unreachable services, a kill for memory (contract/faults.ts). */
  faults?: AgentFaults;
}

/** A scheduled job or one-off reminder. */
export interface JobRow {
  id: string;
  name: string;
  prompt: string;
  /** Exactly one of cron (in `timezone`), interval_s (≥ 60) and run_at (a one-off) says when it runs. */
  cron?: string;
  interval_s?: number;
  run_at?: string;
  timezone: string;
  conversation: string;
  enabled: boolean;
  next_run_at?: string;
  last_slot?: string;
  /** Set when the agent turned the job off without running it, saying why (e.g. a one-off dated in the past). */
  problem?: string;
  created_at: string;
}

export interface JobRunRow {
  id: string;
  job: string;
  slot: string;
  status: 'running' | 'ok' | 'failed';
  late: boolean;
  started_at: string;
  finished_at?: string;
  duration_ms?: number;
  error?: string;
  /** The answer delivered for this run. */
  message?: string;
  /** Runs a crash interrupted run again at start (at most 3 attempts). */
  attempts?: number;
}

/** An inbound webhook event (Stripe and generic hooks), deduplicated on the source's event id. */
export interface EventRow {
  id: string;
  source: string;
  external_id: string;
  type: string;
  payload: unknown;
  status: 'received' | 'processed' | 'failed' | 'ignored';
  /** What the owner was told. */
  summary?: string;
  error?: string;
  received_at: string;
}

/** A fact about the owner the agent remembers (recalled by full-text relevance). */
export interface MemoryRow {
  id: string;
  text: string;
  key: string;
  conversation?: string;
  source: 'tool' | 'summary' | 'owner';
  created_at: string;
}

/** A tool call with effects outside MONO, waiting for the owner's /yes or /no. */
export interface ActionRow {
  id: string;
  conversation: string;
  tool: string;
  input: Record<string, unknown>;
  summary: string;
  status: 'pending' | 'done' | 'failed' | 'cancelled';
  result?: string;
  created_at: string;
  decided_at?: string;
}

/** A mail of the watched mailbox (id: mail:[mailbox, uidvalidity, uid]), stored once per Message-ID. */
export interface MailRow {
  id: string;
  mailbox: string;
  uid: number;
  uidvalidity: number;
  message_id: string;
  from_address: string;
  from_name: string;
  reply_to?: string;
  to_addresses: string[];
  cc_addresses: string[];
  subject: string;
  date: string;
  /** Plain text, at most 20 000 characters. */
  text: string;
  in_reply_to?: string;
  reference_ids: string[];
  attachments: string[];
  /** new → notified (the owner was told, see `notice`) | skipped (not worth a message) | failed. */
  status: 'new' | 'notified' | 'skipped' | 'failed';
  important?: boolean;
  /** Claude's one- or two-sentence summary. */
  summary?: string;
  error?: string;
  /** The notice message in the owner's chat. */
  notice?: string;
  replied_at?: string;
  created_at: string;
}

/** How far the mailbox was read (id: mail_cursor:[mailbox]); UIDs above last_uid are new. */
export interface MailCursorRow {
  id: string;
  mailbox: string;
  uidvalidity: number;
  last_uid: number;
  updated_at: string;
}

/**
 * The WhatsApp linked device's pairing state (one row: whatsapp_link:current). While unlinked the desktop renders
 * `qr` as a QR code (it changes every ~20 s) or shows `pairing_code` to type on the phone.
 */
export interface WhatsAppLinkRow {
  id: string;
  state: 'connecting' | 'qr' | 'pairing_code' | 'connected' | 'logged_out' | 'disconnected';
  qr?: string;
  /** 8 characters, entered on the phone under Linked devices > Link with phone number. */
  pairing_code?: string;
  pairing_phone?: string;
  /** The linked account's JID once connected. */
  account?: string;
  detail?: string;
  updated_at: string;
}

/** A small copy of an image that came with a message, for the desktop's conversation view (base64). */
export interface MediaPreviewRow {
  id: string;
  message: string;
  mime: string;
  data: string;
  created_at: string;
}

/** The desktop's "Send again" on a failed reply (the reply is set back to pending in the same transaction). */
export interface RetryRequestRow {
  id: string;
  message: string;
  created_at: string;
}
