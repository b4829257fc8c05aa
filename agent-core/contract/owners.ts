// Who owns this MONO, and how the desktop (or `mono owner`) makes someone the owner: the rows of the tables
// `owner` and `owner_claim`, the field `agent_status.has_owner`, and the pure helpers both sides use. No heavy
// imports: the desktop's main process imports this file as it is.
//
// The contract:
// - Owners are the explicit ids of MONO_ALLOW_<CHANNEL>, the `owner_chat` setting / MONO_OWNER_CHAT
//   ("telegram:1001"), and every row of `owner` (id `owner:⟨<channel>:<user id>⟩`, one per account: Telegram,
//   WhatsApp Cloud or a linked WhatsApp, several allowed). The agent watches `owner` live: a row the desktop
//   creates or deletes applies to the next message. Rows cannot remove the environment's owners.
// - Claiming: the desktop calls `createOwnerClaim()`, shows `code` once (as text, and on Telegram as
//   `telegramStartLink(bot, code)` / a QR of it) and stores only `row` (`CREATE owner_claim CONTENT row`): the SHA-256
//   of the code and its expiry, never the code. The first person who sends the code to the agent (as a message,
//   or Telegram's `/start <code>`) becomes an owner: the agent marks the claim used and writes the owner row in one
//   transaction (two people racing: one wins, the other is told the code was used), answers with a confirmation,
//   and treats them as the owner from that message on.
// - `mode: 'add'` adds an account ("add another of my own accounts"); `mode: 'replace'` hands ownership over: the
//   claimer becomes the only owner row (the environment's owners stay owners). Adding a known contact directly
//   is `CREATE type::record('owner', ownerKey(…)) CONTENT ownerRowFor(contact, 'desktop')`; removing one is `DELETE owner:⟨…⟩`.
// - `agent_status:current.has_owner`: false while nobody owns the agent. Then the agent answers everyone that it
//   is not set up yet (no pairing code, no Claude), and the desktop should say so on every screen.
import { createHash, randomInt } from 'node:crypto';
import type { ChannelName } from './tables.ts';

/** One account of the owner (id: owner:⟨<channel>:<user id>⟩). */
export interface OwnerRow {
  id: string;
  channel: ChannelName;
  /** The channel's own user id (as in `contact.external_id`). */
  external_id: string;
  /** Where the owner is reached on that channel (the private chat; on Telegram and WhatsApp the user id). */
  chat_id: string;
  name: string;
  added_by: 'claim' | 'desktop' | 'cli';
  created_at: string;
}

/** A one-time claim code, stored as its hash only. */
export interface OwnerClaimRow {
  id: string;
  code_hash: string;
  mode: 'add' | 'replace';
  expires_at: string;
  created_at: string;
  used_at?: string;
  /** The owner row the claim created. */
  used_by?: string;
}

/** How long a claim code works by default: long enough to open the chat app on the phone. */
export const CLAIM_TTL_MS = 30 * 60_000;

// No 0/O, 1/I/L: the code may be typed by hand. 10 characters: about 49 bits, for a code that lives 30 minutes.
const ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
const RANDOM_LENGTH = 10;
const PREFIX = 'MONO';

/** A new claim code: `code` ("MONO-ABCDE-FGHJK") for the person, `row` for the datastore. */
export function createOwnerClaim(options: { mode?: 'add' | 'replace'; now?: Date; ttlMs?: number } = {}): {
  code: string;
  row: { code_hash: string; mode: 'add' | 'replace'; expires_at: Date };
} {
  let random = '';
  for (let i = 0; i < RANDOM_LENGTH; i++) random += ALPHABET[randomInt(ALPHABET.length)];
  const code = `${PREFIX}-${random.slice(0, 5)}-${random.slice(5)}`;
  const now = options.now ?? new Date();
  return {
    code,
    row: {
      code_hash: claimCodeHash(normalize(code)),
      mode: options.mode ?? 'add',
      expires_at: new Date(now.getTime() + (options.ttlMs ?? CLAIM_TTL_MS)),
    },
  };
}

/**
 * The claim code in a message, normalized ("MONOABCDEFGHJK"), or undefined when the message is not one. Accepts
 * the code as shown, in any case, with or without dashes and spaces, and Telegram's `/start <code>`.
 */
export function claimCodeIn(text: string): string | undefined {
  const body = text.trim().replace(/^\/start(?:@\w+)?\s+/i, '');
  if (body.length > 40) return undefined;
  const compact = body.replace(/[\s_-]/g, '').toUpperCase();
  const pattern = new RegExp(`^${PREFIX}[${ALPHABET}]{${RANDOM_LENGTH}}$`);
  return pattern.test(compact) ? compact : undefined;
}

/** What is stored for a code: SHA-256 hex of the normalized code. */
export function claimCodeHash(normalized: string): string {
  return createHash('sha256').update(`mono-owner-claim:${normalized}`).digest('hex');
}

/** Opens the bot in Telegram with the code ready to send (`/start <code>`); Telegram allows A-Z, 0-9, _ and -. */
export function telegramStartLink(botUsername: string, code: string): string {
  return `https://t.me/${encodeURIComponent(botUsername.replace(/^@/, ''))}?start=${encodeURIComponent(code)}`;
}

/** The record key of an owner row: the same `<channel>:<user id>` as the contact's. */
export function ownerKey(channel: ChannelName, userId: string): string {
  return `${channel}:${userId}`;
}

/** The owner row for an account the desktop adds directly (a known contact: private chat, so chat id = user id). */
export function ownerRowFor(
  contact: { channel: ChannelName; external_id: string; name?: string },
  addedBy: 'desktop' | 'cli',
): Omit<OwnerRow, 'id' | 'created_at'> {
  return {
    channel: contact.channel,
    external_id: contact.external_id,
    chat_id: contact.external_id,
    name: contact.name ?? '',
    added_by: addedBy,
  };
}

function normalize(code: string): string {
  return code.replace(/[\s_-]/g, '').toUpperCase();
}
