// The one owner of "what is wrong with the agent": follows agent_status live, re-reads it after a reconnect, tells
// a frozen agent and a stopped local process, and publishes only when something changed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AgentStatusRow, MessageRow } from '../../agent-core/contract/tables.ts';
import type { AgentHealth, SyncStatus } from '../../src-main/ipc/contract.ts';
import { createHealthWatch } from '../../src-main/services/health-watch.ts';

const sync = (state: SyncStatus['state'], epoch = 1): SyncStatus => ({ state, epoch, since: '', attempt: 0 });
const row = (patch: Partial<AgentStatusRow>) =>
  ({ id: 'agent_status:current', channels: {}, ...patch }) as AgentStatusRow;

test('problems follow the status row, the connection and the process; each change is published once', async () => {
  const published: AgentHealth[] = [];
  let stored: AgentStatusRow | null = {
    channels: { telegram: { state: 'rejected', detail: '401 Unauthorized', updated_at: '' } },
  } as unknown as AgentStatusRow;
  const watch = createHealthWatch({
    prefs: { get: () => ({ mode: 'local' }) as never },
    data: { agentStatus: async () => stored },
    emit: (health) => published.push(health),
  });
  // Connected: the row is read (changes made while away arrive only as its current state).
  watch.sync(sync('online'));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(
    watch.current().problems.map((p) => [p.part, p.state]),
    [['telegram', 'rejected']],
  );
  // A live change fixes it; the same state again publishes nothing.
  watch.observe({ table: 'agent_status', action: 'UPDATE', id: 'agent_status:current', row: row({}) });
  watch.observe({ table: 'agent_status', action: 'UPDATE', id: 'agent_status:current', row: row({}) });
  assert.deepEqual(watch.current().problems, []);
  // Other tables and other rows are not its business.
  watch.observe({ table: 'message', action: 'CREATE', id: 'message:1', row: {} as MessageRow });
  // Frozen, then back.
  watch.sync(sync('unresponsive'));
  assert.deepEqual(
    watch.current().problems.map((p) => p.state),
    ['unresponsive'],
  );
  watch.sync(sync('online'));
  // The local process crashed, with its reason; running again clears it.
  watch.process({ state: 'crashed', restarts: 1, reason: 'Port 7420 is already in use' });
  assert.equal(watch.current().problems[0]?.detail, 'Port 7420 is already in use');
  watch.process({ state: 'running', restarts: 1 });
  assert.deepEqual(watch.current().problems, []);
  assert.equal(published.length, 6);
  stored = null;
});
