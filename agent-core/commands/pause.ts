// Paused (agent_status:current.paused, set by /pause or the desktop): no calls to Claude, no jobs, until resumed.
// Read at most once a second (every turn asks); /pause in this process applies at once.
import { RecordId, type Surreal } from 'surrealdb';

const STATUS_ID = new RecordId('agent_status', 'current');
const FRESH_MS = 1000;

export class PauseState {
  #value: boolean | undefined;
  #readAt = 0;

  constructor(private readonly db: Surreal) {}

  /** `fresh`: read the flag now (a resume from the desktop must not wait for the cached value to age). */
  async paused(fresh = false): Promise<boolean> {
    if (!fresh && this.#value !== undefined && Date.now() - this.#readAt < FRESH_MS) return this.#value;
    const [paused] = await this.db
      .query<[boolean | undefined]>('RETURN $id.paused', { id: STATUS_ID })
      .collect();
    this.#value = paused === true;
    this.#readAt = Date.now();
    return this.#value;
  }

  async set(paused: boolean): Promise<void> {
    await this.db.query('UPDATE $id SET paused = $paused', { id: STATUS_ID, paused }).collect();
    this.#value = paused;
    this.#readAt = Date.now();
  }
}

/** One read of the flag (for code outside the agent process, e.g. the desktop's services). */
export async function isPaused(db: Surreal): Promise<boolean> {
  const [paused] = await db.query<[boolean | undefined]>('RETURN $id.paused', { id: STATUS_ID }).collect();
  return paused === true;
}

export async function setPaused(db: Surreal, paused: boolean): Promise<void> {
  await db.query('UPDATE $id SET paused = $paused', { id: STATUS_ID, paused }).collect();
}
