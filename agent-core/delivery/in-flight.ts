// The in-flight mark of an outbound message and what a restart makes of it.
//
// A reply goes out in two steps that no storage can make one: the channel's API accepts it, then MONO writes
// "sent". A crash between the two leaves a reply that may or may not have reached the person, and no API tells
// which. MONO keeps that window as small as it can (nothing but the one "sent" write after the API answers, and a
// disk reserve so that write never fails for lack of space), marks a message `sending_since` before its first
// attempt, and clears the mark when the service refused it (then it certainly did not go out).
//
// After a crash, a pending message that still carries the mark has an unknown fate. MONO sends it again: a person
// who asked something and never gets the answer is worse off than one who sees the same answer twice, and the
// crash has to land in a window of about a millisecond for the copy to be real. The message keeps `fate:
// 'unknown'`, so the desktop shows it as "may have arrived twice".
import type { RecordId, Surreal } from 'surrealdb';

export async function markInFlight(db: Surreal, id: RecordId): Promise<void> {
  await db.query('UPDATE $id SET sending_since = time::now()', { id }).collect();
}

export async function clearInFlight(db: Surreal, id: RecordId): Promise<void> {
  await db.query('UPDATE $id SET sending_since = NONE', { id }).collect();
}

/**
 * At start, before anything is sent: every pending message whose last attempt may have gone out gets
 * `fate: 'unknown'` (it is sent again by the resume that follows). Resolves to how many.
 */
export async function markUnknownFates(db: Surreal): Promise<number> {
  const [rows] = await db
    .query<[unknown[]]>(
      `UPDATE message SET fate = 'unknown', sending_since = NONE
       WHERE status = 'pending' AND sending_since != NONE RETURN id`,
    )
    .collect();
  return rows.length;
}
