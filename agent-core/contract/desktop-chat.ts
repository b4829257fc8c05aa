// The owner's chat with MONO in the desktop app, and the owner stepping into a contact's conversation: the rows
// the desktop writes and the agent acts on. No heavy imports: the desktop's main process imports this file as it is.
//
// The contract:
// - Chat: the desktop writes each message the owner types as `desktop_inbox:⟨<client id>⟩` { text } (a UUID made
//   once per message, so sending it again after a lost answer writes the same row). The agent stores it as an
//   inbound message of channel 'desktop' in `conversation:⟨desktop:owner⟩` (its `external_id` is the client id,
//   deduplicated like every channel's messages), deletes the row, and answers it with the owner's full powers.
//   Only the owner's desktop and CLI can sign in to the db hub, so these messages are the owner's by construction.
// - Live replies: the reply to a chat message is a `message` row with status 'streaming' whose text grows while
//   Claude writes it; it turns 'pending' (then 'sent') with the final text. It is the same row throughout.
// - Stepping in: the desktop writes the owner's message to a contact as an outbound `message` (role 'owner',
//   status 'pending') with a `retry_request` for it in one transaction, and moves the conversation's
//   `owner_until` to now + the quiet time (setting STEP_IN_QUIET_SETTING, in seconds). The agent sends it like any
//   reply and stays quiet in that conversation until `owner_until`; messages that arrive meanwhile are stored and
//   left to the owner (`answered_by: 'owner'`), also after MONO resumes. Resuming early clears `owner_until`.
import type { ChannelName } from './tables.ts';

export const DESKTOP_CHANNEL: ChannelName = 'desktop';
/** The one chat (and the one sender) of the desktop channel. */
export const DESKTOP_CHAT = 'owner';
/** The key of the chat's conversation record: `conversation:⟨desktop:owner⟩`. */
export const DESKTOP_CONVERSATION_KEY = `${DESKTOP_CHANNEL}:${DESKTOP_CHAT}`;
/** How the owner is named in the desktop chat's contact row (and so the conversation's title). */
export const DESKTOP_OWNER_NAME = 'You';

/** The longest message the desktop chat takes (the agent cuts anything longer). */
export const MAX_CHAT_TEXT = 20_000;

/** Seconds MONO stays quiet in a conversation after the owner wrote in it themselves. */
export const STEP_IN_QUIET_SETTING = 'step_in_quiet_seconds';
export const DEFAULT_STEP_IN_QUIET_S = 600;
/** Bounds of the quiet time (a mistyped setting must neither silence MONO for good nor be gone at once). */
export const MIN_STEP_IN_QUIET_S = 1;
export const MAX_STEP_IN_QUIET_S = 7 * 24 * 3600;

/** The quiet time from the setting's raw value: whole seconds within the bounds, the default when unusable. */
export function stepInQuietSeconds(value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) return DEFAULT_STEP_IN_QUIET_S;
  return Math.min(MAX_STEP_IN_QUIET_S, Math.max(MIN_STEP_IN_QUIET_S, Math.round(value)));
}

/**
 * True while the owner is answering a conversation themselves (its `owner_until` is still ahead). Takes the field
 * as the datastore gives it: a Date, the SDK's DateTime, or an ISO string (the desktop's rows).
 */
export function ownerAnswering(ownerUntil: unknown, now: Date = new Date()): boolean {
  if (ownerUntil === undefined || ownerUntil === null) return false;
  const until = ownerUntil instanceof Date ? ownerUntil.getTime() : Date.parse(String(ownerUntil));
  return Number.isFinite(until) && until > now.getTime();
}

/** desktop_inbox: a message the owner typed in the desktop's chat, until the agent stored it. */
export interface DesktopInboxRow {
  id: string;
  text: string;
  created_at: string;
}
