// A reply while Claude writes it: the row (status 'streaming', reply_to set) the desktop shows growing. It is the
// reply's own row — recordReply turns it into the reply — so the unique index on reply_to still allows one reply per
// message, and nothing that sends replies or reads the history looks at 'streaming' rows.
import type { RecordId, Surreal } from 'surrealdb';
import type { ChannelName } from '../contract/tables.ts';
import { transactionResults } from './transaction.ts';

export interface DraftTarget {
  inbound: RecordId;
  conversation: RecordId;
  channel: ChannelName;
}

/**
 * Writes the text so far: creates the row on the first write, updates it after, and never touches a row that is
 * no longer streaming (the reply was recorded: a late write must not undo it).
 */
export async function writeDraft(db: Surreal, target: DraftTarget, text: string): Promise<void> {
  // In a transaction: outside one, this engine sends no live notifications for writes that follow a LET in the
  // same query, and the desktop would not see the text grow.
  await transactionResults(
    db,
    `LET $row = (SELECT id, status FROM message WHERE reply_to = $inbound LIMIT 1)[0];
     IF $row = NONE {
       CREATE message CONTENT {
         conversation: $conversation, channel: $channel, direction: 'out', role: 'assistant', text: $text,
         status: 'streaming', reply_to: $inbound, created_at: time::now(), updated_at: time::now()
       } RETURN NONE
     } ELSE IF $row.status = 'streaming' {
       UPDATE $row.id SET text = $text, updated_at = time::now() RETURN NONE
     };`,
    { ...target, text },
  );
}

/** Removes the row of a reply that will not be written after all (the turn ended without a reply of its own). */
export async function discardDraft(db: Surreal, inbound: RecordId): Promise<void> {
  await db.query(`DELETE message WHERE reply_to = $inbound AND status = 'streaming'`, { inbound }).collect();
}
