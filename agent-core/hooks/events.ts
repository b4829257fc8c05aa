// Webhook events in the datastore (table `event`), deduplicated on (source, external id): a sender's retry is
// stored once and handled once.
import type { RecordId, Surreal } from 'surrealdb';
import { transaction } from '../store/transaction.ts';

export interface EventRecord {
  id: RecordId;
  source: string;
  external_id: string;
  type: string;
  payload: unknown;
  status: string;
}

export async function storeEvent(
  db: Surreal,
  event: { source: string; externalId: string; type: string; payload: unknown },
): Promise<{ event: EventRecord; isNew: boolean }> {
  const result = await transaction<{ event: EventRecord; isNew: boolean }>(
    db,
    `LET $existing = (SELECT * FROM event WHERE source = $source AND external_id = $external_id LIMIT 1)[0];
     RETURN IF $existing { { event: $existing, isNew: false } } ELSE {
       { event: (CREATE event CONTENT { source: $source, external_id: $external_id, type: $type,
           payload: $payload, status: 'received', received_at: time::now() })[0], isNew: true }
     };`,
    { source: event.source, external_id: event.externalId, type: event.type, payload: event.payload },
  );
  return result;
}

export async function settleEvent(
  db: Surreal,
  id: RecordId,
  status: 'processed' | 'failed' | 'ignored',
  details: { summary?: string; error?: string } = {},
): Promise<void> {
  await db
    .query('UPDATE $id SET status = $status, summary = $summary, error = $error', {
      id,
      status,
      summary: details.summary,
      error: details.error?.slice(0, 2000),
    })
    .collect();
}

/** Events stored but not handled (the agent stopped in between): handled again at start. */
export async function unsettledEvents(db: Surreal): Promise<EventRecord[]> {
  const [rows] = await db
    .query<[EventRecord[]]>(
      "SELECT * FROM event WHERE status = 'received' ORDER BY received_at ASC LIMIT 500",
    )
    .collect();
  return rows;
}
