// Tray state mapping and menus, and the notifications worth interrupting the owner for.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AgentStatusRow, PairingRow, UsageRow } from '../../agent-core/contract/tables.ts';
import { trayIconName, trayMenuTemplate } from '../../src-main/electron/tray.ts';
import type { DbChange } from '../../src-main/ipc/db-change.ts';
import { createNotifier, type Notice, type TrayInput, trayState } from '../../src-main/services/attention.ts';
import { backoffDelay, SYNC_BACKOFF } from '../../src-main/services/backoff.ts';
import { createFaultMirror } from '../../src-main/services/fault-mirror.ts';
import { healthProblems } from '../../src-main/services/health-problems.ts';

const pairing = (patch: Partial<PairingRow>): PairingRow => ({
  id: 'pairing:1',
  channel: 'telegram',
  external_id: '42',
  chat_id: '42',
  name: 'Ada',
  code: 'K7P2QX',
  status: 'pending',
  created_at: '2030-01-01T00:00:00Z',
  ...patch,
});
const usage = (id: string, day: string, cost_usd: number): UsageRow => ({
  id,
  day,
  model: 'claude',
  requests: 1,
  input_tokens: 0,
  output_tokens: 0,
  cache_creation_input_tokens: 0,
  cache_read_input_tokens: 0,
  cost_usd,
});

const base: TrayInput = {
  wizardDone: true,
  sync: 'online',
  paused: false,
  updating: false,
  pendingPairings: 0,
  budgetReached: false,
  updateFailed: false,
};

test('the tray shows online, offline, updating, paused and needs-attention states', () => {
  assert.equal(trayState(base).state, 'online');
  assert.equal(trayState({ ...base, sync: 'offline' }).state, 'offline');
  assert.equal(trayState({ ...base, sync: 'offline', updating: true }).state, 'updating');
  assert.equal(trayState({ ...base, paused: true, sync: 'offline' }).state, 'paused');
  assert.equal(trayState({ ...base, wizardDone: false }).state, 'setup');
  const attention = trayState({ ...base, pendingPairings: 2, budgetReached: true });
  assert.equal(attention.state, 'attention');
  assert.match(attention.tooltip, /2 pairing requests, budget reached/);
  assert.match(trayState({ ...base, pendingPairings: 1 }).tooltip, /1 pairing request$/);
  const locked = trayState({ ...base, sync: 'offline', locked: true });
  assert.equal(locked.state, 'attention');
  assert.match(locked.tooltip, /locked: open MONO and enter your passphrase/);
});

test('each tray state has its own icon, and the menu offers what makes sense', () => {
  const icons = new Set(
    ['online', 'offline', 'updating', 'paused', 'attention'].map((s) => trayIconName(s as never)),
  );
  assert.equal(icons.size, 5);
  const noop = () => {};
  const actions = { open: noop, pause: noop, resume: noop, update: noop, quit: noop };
  const online = trayMenuTemplate('online', 'MONO — your agent is online', { canUpdate: true }, actions);
  const labels = online.map((i) => i.label).filter(Boolean);
  assert.deepEqual(labels, [
    'your agent is online',
    'Open MONO',
    'Pause the agent',
    'Update the agent',
    'Quit MONO',
  ]);
  const paused = trayMenuTemplate('paused', 'MONO — paused', { canUpdate: false }, actions);
  assert.ok(paused.some((i) => i.label === 'Resume the agent'));
  assert.equal(paused.find((i) => i.label === 'Update the agent')?.enabled, false);
});

test('notifications: a new pairing request, a failed update, the budget once a day', () => {
  const notices: Notice[] = [];
  const notifier = createNotifier((n) => notices.push(n));
  notifier.change({
    table: 'pairing',
    action: 'CREATE',
    id: 'pairing:1',
    row: pairing({ status: 'pending', name: 'Ada', channel: 'telegram', code: 'K7P2QX' }),
  });
  notifier.change({
    table: 'pairing',
    action: 'UPDATE',
    id: 'pairing:1',
    row: pairing({ status: 'approved' }),
  });
  notifier.install({ running: false, steps: [], log: [], error: { step: 'health', message: 'no answer' } });
  notifier.budget('2030-01-01', 2.5, 2);
  notifier.budget('2030-01-01', 3, 2);
  notifier.budget('2030-01-01', 1, undefined);
  notifier.dispose();
  assert.deepEqual(
    notices.map((n) => n.title),
    ['Someone wants to talk to your agent', 'Update failed', 'Daily budget reached'],
  );
  assert.match(notices[0]?.body ?? '', /Ada on telegram — code K7P2QX/);
});

test('reconnect delays grow exponentially up to a cap', () => {
  const delays = [1, 2, 3, 4, 5, 10].map((n) => backoffDelay(n, SYNC_BACKOFF, 0.5));
  assert.deepEqual(delays, [250, 500, 1000, 2000, 4000, 5000]);
  assert.ok(backoffDelay(1, SYNC_BACKOFF, 0) >= 200 && backoffDelay(1, SYNC_BACKOFF, 0.999) <= 300);
});

test('the budget watch adds up today’s usage rows and knows the daily cap from settings', async () => {
  const { createBudgetWatch } = await import('../../src-main/services/budget-watch.ts');
  const seen: [string, number, number | undefined][] = [];
  const watch = createBudgetWatch((day, spent, cap) => seen.push([day, spent, cap]));
  const today = new Date().toISOString().slice(0, 10);
  watch.change({
    table: 'setting',
    action: 'UPDATE',
    id: 'setting:budget_daily_usd',
    row: {
      id: 'setting:budget_daily_usd',
      key: 'budget_daily_usd',
      value: 1,
      updated_at: '2030-01-01T00:00:00Z',
    },
  });
  for (const [id, cost] of [
    ['usage:a', 0.4],
    ['usage:b', 0.7],
    ['usage:a', 0.5],
  ] as const) {
    watch.change({ table: 'usage', action: 'UPDATE', id, row: usage(id, today, cost) });
  }
  const last = seen.at(-1);
  assert.equal(last?.[0], today);
  assert.equal(Number(last?.[1].toFixed(2)), 1.2);
  assert.equal(last?.[2], 1);
});

test('the tray says when the agent is not responding, refuses credentials, has no owner, or stopped and why', () => {
  const frozen = trayState({ ...base, sync: 'unresponsive' });
  assert.deepEqual(frozen, { state: 'unresponsive', tooltip: 'MONO — your agent is not responding' });
  assert.notEqual(trayIconName('unresponsive'), trayIconName('online'));
  const noop = () => {};
  const actions = { open: noop, pause: noop, resume: noop, update: noop, quit: noop };
  const menu = trayMenuTemplate('unresponsive', frozen.tooltip, { canUpdate: false }, actions);
  assert.equal(
    menu.find((i) => i.label === 'Pause the agent')?.enabled,
    false,
    'a frozen agent cannot be paused',
  );

  const problems = healthProblems({
    mode: 'local',
    sync: 'online',
    status: {
      has_owner: false,
      channels: { telegram: { state: 'rejected', detail: '401 Unauthorized', updated_at: '' } },
      claude: { state: 'ok', updated_at: '' },
    },
  });
  const attention = trayState({ ...base, problems });
  assert.equal(attention.state, 'attention');
  assert.equal(
    attention.tooltip,
    "MONO — needs you: Your agent has no owner yet, Telegram rejected MONO's credentials",
  );
  const stopped = healthProblems({
    mode: 'local',
    sync: 'offline',
    stopped: { reason: 'Port 7420 on 127.0.0.1 is already in use' },
  });
  assert.equal(
    trayState({ ...base, sync: 'offline', problems: stopped }).tooltip,
    'MONO — your agent stopped: Port 7420 on 127.0.0.1 is already in use',
  );
});

test('each problem says what is wrong and what to do, in one line each', () => {
  const problems = healthProblems({
    mode: 'vps',
    sync: 'online',
    status: {
      channels: {
        telegram: {
          state: 'unreachable',
          detail: 'network error calling Telegram (FetchError)',
          updated_at: '',
        },
        whatsapp: { state: 'rejected', updated_at: '' },
      },
      claude: { state: 'rejected', detail: 'Claude refused the API key (401)', updated_at: '' },
    },
  });
  assert.deepEqual(
    problems.map((p) => [p.part, p.state, p.title, p.fix]),
    [
      [
        'claude',
        'rejected',
        'Claude rejected the API key',
        'Paste a new key from console.anthropic.com in Integrations → Claude.',
      ],
      [
        'telegram',
        'unreachable',
        'Telegram is not reachable',
        "Check your server's internet connection; the agent keeps trying by itself.",
      ],
      [
        'whatsapp',
        'rejected',
        "WhatsApp rejected MONO's credentials",
        'Paste a new permanent access token in Integrations → WhatsApp.',
      ],
    ],
  );
  assert.ok(problems.every((p) => !p.fix.includes('\n') && !p.title.includes('\n')));
});

test('the agent’s faults, followed from agent_status, put the tray in need of the owner and clear with it', () => {
  const mirror = createFaultMirror();
  // The row as the datastore gives it: a broken `faults` value must not count as faults.
  const status = (faults: unknown): DbChange => ({
    table: 'agent_status',
    action: 'UPDATE',
    id: 'agent_status:current',
    row: { version: '1', ...(faults === undefined ? {} : { faults }) } as unknown as AgentStatusRow,
  });
  const tray = () => trayState({ ...base, faults: mirror.trayNotes(Date.parse('2026-03-10T12:00:00Z')) });
  assert.equal(tray().state, 'online');
  mirror.observe(
    status({
      disk: { level: 'low', free_bytes: 1e8, total_bytes: 1e10, refuse_below_bytes: 2e8 },
      outages: [{ service: 'telegram', since: '2026-03-10T11:00:00Z', detail: 'ECONNREFUSED', waiting: 12 }],
      memory_kill: { at: '2026-03-10T09:00:00Z', limit_bytes: 256 * 1024 * 1024 },
    }),
  );
  assert.deepEqual(tray(), {
    state: 'attention',
    tooltip: 'MONO — needs you: disk nearly full, Telegram unreachable, killed for memory at 256 MB',
  });
  // Another table's change says nothing about faults; a status row without them (or a broken value) clears them.
  mirror.observe({
    table: 'pairing',
    action: 'UPDATE',
    id: 'pairing:1',
    row: pairing({ status: 'pending' }),
  });
  assert.equal(tray().state, 'attention');
  mirror.observe(status('garbage'));
  assert.equal(tray().state, 'online');
  mirror.observe(
    status({ disk: { level: 'critical', free_bytes: 0, total_bytes: 1e10, refuse_below_bytes: 2e8 } }),
  );
  assert.match(tray().tooltip, /needs you: disk full$/);
  mirror.observe(status(undefined));
  assert.equal(tray().state, 'online');
});
