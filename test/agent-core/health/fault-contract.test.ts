// The words the desktop and the tray use for agent_status.faults: a full disk first, each outage with what waits,
// a kill for memory with its limit for a week, and nothing at all for a healthy agent.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type AgentFaults, faultNotes, faultTrayNotes } from '../../../agent-core/contract/faults.ts';

const MIB = 1024 * 1024;
const NOW = Date.parse('2026-03-10T12:00:00Z');

test('a healthy agent, or one that never wrote faults, has nothing to say', () => {
  const healthy: AgentFaults = {
    disk: { level: 'ok', free_bytes: 5e9, total_bytes: 1e10, refuse_below_bytes: 2e8 },
    memory: { pressure: false, limit_bytes: 512 * MIB },
    outages: [],
  };
  assert.deepEqual(faultNotes(healthy, NOW), []);
  assert.deepEqual(faultTrayNotes(healthy, NOW), []);
  assert.deepEqual(faultNotes(undefined, NOW), []);
  assert.deepEqual(faultTrayNotes(undefined, NOW), []);
});

test('a full disk comes first and says what to do; a low one says messages wait', () => {
  const full: AgentFaults = {
    disk: { level: 'critical', free_bytes: 3 * MIB, total_bytes: 12 * MIB, refuse_below_bytes: 5 * MIB },
    outages: [{ service: 'anthropic', since: '2026-03-10T11:00:00Z', detail: 'ECONNREFUSED', waiting: 4 }],
  };
  const notes = faultNotes(full, NOW);
  assert.equal(notes.length, 2);
  assert.equal(notes[0]?.level, 'bad');
  assert.match(notes[0]?.text ?? '', /disk is full \(3 MB free\).*Free some space/);
  assert.match(notes[1]?.text ?? '', /^Claude cannot be reached since .* — 4 waiting\./);
  assert.deepEqual(faultTrayNotes(full, NOW), ['disk full', 'Claude unreachable']);

  const low: AgentFaults = {
    disk: { level: 'low', free_bytes: 150e6, total_bytes: 10 * 1024 ** 3, refuse_below_bytes: 2e8 },
  };
  assert.match(
    faultNotes(low, NOW)[0]?.text ?? '',
    /nearly full \(143 MB free of 10\.0 GB\): new messages wait/,
  );
  assert.deepEqual(faultTrayNotes(low, NOW), ['disk nearly full']);
});

test('a kill for memory is shown with its limit for a week, then forgotten', () => {
  const killed = (at: string): AgentFaults => ({ memory_kill: { at, limit_bytes: 256 * MIB } });
  const recent = faultNotes(killed('2026-03-09T12:00:00Z'), NOW);
  assert.equal(recent.length, 1);
  assert.match(recent[0]?.text ?? '', /killed for lack of memory on .* \(limit 256 MB\) and restarted/);
  assert.deepEqual(faultTrayNotes(killed('2026-03-09T12:00:00Z'), NOW), ['killed for memory at 256 MB']);
  assert.deepEqual(faultNotes(killed('2026-03-01T12:00:00Z'), NOW), []);
  assert.deepEqual(faultTrayNotes(killed('2026-03-01T12:00:00Z'), NOW), []);
});

test('memory pressure is a warning in the app, not a reason to call the owner from the tray', () => {
  const pressed: AgentFaults = { memory: { pressure: true, limit_bytes: 512 * MIB } };
  assert.deepEqual(faultNotes(pressed, NOW), [
    {
      level: 'warn',
      text: 'Your agent is short of memory (limit 512 MB): it takes messages a few at a time.',
    },
  ]);
  assert.deepEqual(faultTrayNotes(pressed, NOW), []);
});

test('an unknown service keeps its own name', () => {
  const faults: AgentFaults = {
    outages: [{ service: 'matrix', since: '2026-03-10T11:00:00Z', detail: 'down', waiting: 0 }],
  };
  assert.match(
    faultNotes(faults, NOW)[0]?.text ?? '',
    /^matrix cannot be reached since [^—]*\. Messages wait/,
  );
  assert.deepEqual(faultTrayNotes(faults, NOW), ['matrix unreachable']);
});
