// The one owner of "what is wrong with the agent": follows agent_status (live), the local process and the
// connection, and publishes the problems (health-problems.ts) to the renderer and the tray whenever they change.
import type { AgentHealth, SyncStatus } from '../ipc/contract.ts';
import type { DbChange } from '../ipc/db-change.ts';
import type { AgentProcessStatus } from './agent-supervisor.ts';
import type { Data } from './data.ts';
import { type HealthFacts, healthProblems } from './health-problems.ts';
import type { PrefsStore } from './prefs.ts';

export interface HealthWatch {
  current(): AgentHealth;
  /** A live change (agent_status rows matter). */
  observe(change: DbChange): void;
  sync(status: SyncStatus): void;
  process(status: AgentProcessStatus): void;
}

export function createHealthWatch(deps: {
  prefs: Pick<PrefsStore, 'get'>;
  data: Pick<Data, 'agentStatus'>;
  emit(health: AgentHealth): void;
}): HealthWatch {
  let facts: HealthFacts = { mode: deps.prefs.get().mode, sync: 'connecting' };
  let health: AgentHealth = { problems: [] };
  let epoch = -1;

  function update(patch: Partial<HealthFacts>): void {
    facts = { ...facts, ...patch, mode: deps.prefs.get().mode };
    const next: AgentHealth = { problems: healthProblems(facts) };
    if (JSON.stringify(next) === JSON.stringify(health)) return;
    health = next;
    deps.emit(health);
  }

  return {
    current: () => health,
    observe(change) {
      if (change.table !== 'agent_status' || change.id !== 'agent_status:current') return;
      update({ status: change.action === 'DELETE' ? undefined : change.row });
    },
    sync(status) {
      update({ sync: status.state });
      // After every (re)connect, read the row: changes made while away arrive only as its current state.
      if (status.state === 'online' && status.epoch !== epoch) {
        epoch = status.epoch;
        void deps.data
          .agentStatus()
          .then((row) => update({ status: row ?? undefined }))
          .catch(() => {});
      }
    },
    process(status) {
      if (deps.prefs.get().mode !== 'local') return;
      const stopped =
        status.state === 'crashed' ? { ...(status.reason && { reason: status.reason }) } : undefined;
      update({ stopped });
    },
  };
}
