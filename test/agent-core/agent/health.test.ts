// The health report: refused credentials degrade the agent at once, a service out of reach only once it lasts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HealthTracker } from '../../../agent-core/agent/health.ts';

const polling = { mode: 'polling', state: 'polling' as const };
const off = { mode: 'off', state: 'off' as const };

test('all well: ok, channels by mode, no reason', () => {
  const report = new HealthTracker().report({
    dbOk: true,
    channels: { telegram: polling, whatsapp: off },
    claude: { state: 'ok' },
  });
  assert.deepEqual(report, {
    status: 'ok',
    db: 'ok',
    channels: { telegram: 'polling', whatsapp: 'off' },
    claude: 'ok',
  });
});

test('a rejected token degrades at once and says which and why', () => {
  const report = new HealthTracker().report({
    dbOk: true,
    channels: { telegram: { mode: 'polling', state: 'rejected', detail: '401 Unauthorized' } },
    claude: { state: 'rejected', detail: 'Claude refused the API key (401)' },
  });
  assert.equal(report.status, 'degraded');
  assert.equal(report.channels.telegram, 'rejected');
  assert.equal(
    report.reason,
    'telegram: credentials rejected (401 Unauthorized); claude: credentials rejected (Claude refused the API key (401))',
  );
});

test('unreachable shows at once but degrades only after the grace period, counted from when it began', () => {
  const tracker = new HealthTracker(60_000);
  const down = { telegram: { mode: 'polling', state: 'unreachable' as const, detail: 'network error' } };
  const first = tracker.report({ dbOk: true, channels: down, now: 1_000 });
  assert.equal(first.channels.telegram, 'unreachable');
  assert.equal(first.status, 'ok');
  assert.equal(tracker.report({ dbOk: true, channels: down, now: 60_999 }).status, 'ok');
  const lasting = tracker.report({ dbOk: true, channels: down, now: 61_000 });
  assert.equal(lasting.status, 'degraded');
  assert.equal(lasting.reason, 'telegram: not reachable (network error)');
  // Back, then down again: the grace period starts over.
  tracker.report({ dbOk: true, channels: { telegram: polling }, now: 62_000 });
  assert.equal(tracker.report({ dbOk: true, channels: down, now: 63_000 }).status, 'ok');
});

test('a datastore that does not answer degrades the agent', () => {
  const report = new HealthTracker().report({ dbOk: false, channels: {} });
  assert.deepEqual(
    [report.status, report.db, report.reason],
    ['degraded', 'error', 'the datastore does not answer'],
  );
});
