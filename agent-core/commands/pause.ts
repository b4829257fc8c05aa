// Paused (agent_status:current.paused, set by /pause or the desktop): no calls to Claude, no jobs, until resumed.
import { RecordId, type Surreal } from 'surrealdb';

const STATUS_ID = new RecordId('agent_status', 'current');

export async function isPaused(db: Surreal): Promise<boolean> {
  const [paused] = await db.query<[boolean | undefined]>('RETURN $id.paused', { id: STATUS_ID }).collect();
  return paused === true;
}

export async function setPaused(db: Surreal, paused: boolean): Promise<void> {
  await db.query('UPDATE $id SET paused = $paused', { id: STATUS_ID, paused }).collect();
}
