// The desktop's view of the agent's faults (agent_status.faults: a full disk, unreachable services, a kill for
// memory), followed from live changes so the tray can say what needs the owner.
import { type AgentFaults, faultTrayNotes } from '../../agent-core/contract/faults.ts';
import type { DbChange } from '../ipc/db-change.ts';

export interface FaultMirror {
  observe(change: DbChange): void;
  /** A few words per fault for the tray's "needs you" list. */
  trayNotes(now?: number): string[];
}

export function createFaultMirror(): FaultMirror {
  let faults: AgentFaults | undefined;
  return {
    observe(change) {
      if (change.table !== 'agent_status' || !change.row) return;
      // Checked anyway: the row comes from the datastore as it is.
      const value: unknown = change.row.faults;
      faults = value && typeof value === 'object' ? (value as AgentFaults) : undefined;
    },
    trayNotes: (now = Date.now()) => faultTrayNotes(faults, now),
  };
}
