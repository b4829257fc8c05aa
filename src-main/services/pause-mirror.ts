// The desktop's view of "paused". The truth lives in the agent's datastore (agent_status:current, shared with the
// owner's /pause command); this mirror follows it and is the one place the desktop reads or changes it.
import type { DbChange } from '../ipc/db-change.ts';
import type { Data } from './data.ts';

export interface PauseMirror {
  current(): boolean;
  /** Follows a live change (the agent or the owner's /pause changed agent_status). */
  observe(change: DbChange): void;
  /** Reads the datastore again when it is reachable; otherwise keeps the last known value. */
  refresh(online: boolean): Promise<boolean>;
  set(paused: boolean): Promise<void>;
}

export function createPauseMirror(data: Pick<Data, 'paused' | 'setPaused'>): PauseMirror {
  let paused = false;
  return {
    current: () => paused,
    observe(change) {
      if (change.table === 'agent_status' && change.row) paused = change.row.paused === true;
    },
    async refresh(online) {
      if (online) paused = await data.paused().catch(() => paused);
      return paused;
    },
    async set(value) {
      await data.setPaused(value);
      paused = value;
    },
  };
}
