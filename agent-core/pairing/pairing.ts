// Pairing: strangers get a code instead of the model; the owner approves or denies it (desktop or `mono pairing`).
import { randomInt } from 'node:crypto';
import type { RecordId, Surreal } from 'surrealdb';
import type { ChannelName } from '../contract/tables.ts';
import type { MessageRecord } from '../store/messages.ts';
import { transaction } from '../store/transaction.ts';

// No 0/O, 1/I/L: codes are read aloud and typed by hand.
const ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
const CODE_LENGTH = 6;

export interface PairingRecord {
  id: RecordId;
  channel: ChannelName;
  external_id: string;
  chat_id: string;
  name: string;
  code: string;
  status: 'pending' | 'approved' | 'denied';
  notified: boolean;
}

export function newPairingCode(): string {
  let code = '';
  for (let i = 0; i < CODE_LENGTH; i++) code += ALPHABET[randomInt(ALPHABET.length)];
  return code;
}

/** The sender's pairing request, created on their first message; `created` tells whether to send them the code. */
export async function ensurePairing(
  db: Surreal,
  sender: { channel: ChannelName; external_id: string; chat_id: string; name: string },
): Promise<{ pairing: PairingRecord; created: boolean }> {
  const result = await transaction<{ pairing: PairingRecord; created: boolean }>(
    db,
    `LET $existing = (SELECT * FROM pairing WHERE channel = $channel AND external_id = $external_id
                      ORDER BY created_at DESC LIMIT 1)[0];
     RETURN IF $existing { { pairing: $existing, created: false } } ELSE {
       { pairing: (CREATE pairing CONTENT {
           channel: $channel, external_id: $external_id, chat_id: $chat_id, name: $name, code: $code,
           status: 'pending', created_at: time::now()
         })[0], created: true }
     };`,
    { ...sender, code: newPairingCode() },
  );
  return result;
}

export class PairingNotFoundError extends Error {
  constructor(readonly code: string) {
    super(`No pairing request has the code ${code}. Run "mono pairing list" to see the pending ones.`);
    this.name = 'PairingNotFoundError';
  }
}

/** Approves or denies a code. Approval lets the contact reach the agent from now on. */
export async function decidePairing(
  db: Surreal,
  code: string,
  decision: 'approved' | 'denied',
): Promise<PairingRecord> {
  const normalized = code.trim().toUpperCase();
  const pairing = await transaction<PairingRecord | undefined>(
    db,
    `LET $pairing = (UPDATE pairing SET status = $decision, decided_at = time::now(), notified = false
                     WHERE code = $code RETURN AFTER)[0];
     IF $pairing {
       UPSERT type::record('contact', string::concat($pairing.channel, ':', $pairing.external_id))
         SET allowed = $decision = 'approved', channel = $pairing.channel, external_id = $pairing.external_id,
             name = name ?? $pairing.name;
     };
     RETURN $pairing;`,
    { code: normalized, decision },
  );
  if (!pairing) throw new PairingNotFoundError(normalized);
  return pairing;
}

export async function listPairings(db: Surreal, status?: PairingRecord['status']): Promise<PairingRecord[]> {
  const [rows] = await db
    .query<[PairingRecord[]]>(
      status
        ? 'SELECT * FROM pairing WHERE status = $status ORDER BY created_at DESC'
        : 'SELECT * FROM pairing ORDER BY created_at DESC',
      { status },
    )
    .collect();
  return rows;
}

/** Decisions the sender has not been told about yet. */
export async function undeliveredDecisions(db: Surreal): Promise<PairingRecord[]> {
  const [rows] = await db
    .query<[PairingRecord[]]>(`SELECT * FROM pairing WHERE status = 'approved' AND notified = false`)
    .collect();
  return rows;
}

/**
 * Marks a decision as told and stores the notice that tells it, in one transaction: a crash can neither lose
 * the notice nor store it twice (the notice is then delivered like any pending reply).
 */
export async function recordDecisionNotice(
  db: Surreal,
  pairing: PairingRecord,
  text: string,
): Promise<MessageRecord | undefined> {
  return transaction<MessageRecord | undefined>(
    db,
    `LET $claimed = (UPDATE $id SET notified = true WHERE notified = false RETURN AFTER)[0];
     RETURN IF $claimed {
       (CREATE message CONTENT {
         conversation: type::record('conversation', string::concat($claimed.channel, ':', $claimed.chat_id)),
         channel: $claimed.channel,
         direction: 'out', role: 'notice', text: $text, status: 'pending', created_at: time::now(), updated_at: time::now()
       })[0]
     } ELSE { NONE };`,
    { id: pairing.id, text },
  );
}
