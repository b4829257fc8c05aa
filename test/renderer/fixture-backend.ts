// A scripted, in-memory stand-in for MONO's main-process services, for tests of the UI alone (rendering 10,000
// messages, banners, re-selects) and the first-render benchmark. It speaks the same IPC contract over the real
// bridge; the end-to-end tests use the real services and agent instead.
import type {
  AgentStatusRow,
  ConversationRow,
  JobRow,
  MessageRow,
  PairingRow,
  UsageRow,
} from '../../agent-core/contract/tables.ts';
import { type Bridge, startBridge } from '../../src-main/bridge/server.ts';
import {
  type AppState,
  type BackupOverview,
  METHOD_NAMES,
  type SyncStatus,
  type VpsTarget,
  type WhatsAppLink,
} from '../../src-main/ipc/contract.ts';
import type { Handlers } from '../../src-main/ipc/dispatch.ts';
import { RENDERER_DIR } from './harness.ts';

const T0 = Date.now() - 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

export function makeThread(conversation: string, count: number): MessageRow[] {
  const out: MessageRow[] = [];
  for (let i = 0; i < count; i++) {
    const inbound = i % 2 === 0;
    const at = iso(T0 - (count - i) * 45_000);
    out.push({
      id: `message:m${String(i).padStart(6, '0')}`,
      conversation,
      channel: 'telegram',
      direction: inbound ? 'in' : 'out',
      role: inbound ? 'user' : 'assistant',
      text: inbound ? `Question number ${i}` : `Answer number ${i - 1}: here is what I found.`,
      status: inbound ? 'answered' : 'sent',
      created_at: at,
      updated_at: at,
      // The newest answer used a tool, as real replies often do.
      ...(i === count - 1 && {
        tool_calls: [
          {
            id: 'toolu_1',
            name: 'calendar_lookup',
            input: { day: 'tomorrow' },
            result: '2 events: 09:00 stand-up, 14:30 dentist',
          },
        ],
      }),
    });
  }
  return out;
}

export interface FixtureOptions {
  threadSize?: number;
  /** The same address again (a restarted MONO): its port and key. */
  port?: number;
  key?: string;
}

export async function startFixture(options: FixtureOptions = {}) {
  const calls: string[] = [];
  const conversations: ConversationRow[] = [
    {
      id: 'conversation:⟨telegram:1⟩',
      channel: 'telegram',
      chat_id: '1',
      title: 'Ada Lovelace',
      last_message_at: iso(T0),
      last_message_preview: 'Answer number 9998: here is what I found.',
      unread: 0,
      created_at: iso(T0 - 86_400_000 * 30),
    },
  ];
  const thread = makeThread(conversations[0]!.id, options.threadSize ?? 10_000);
  const pairings: PairingRow[] = [];
  const jobs: JobRow[] = [];
  // Thirty days of a plausible month: weekdays busier, two days over a $1.50 daily budget.
  const usage: UsageRow[] = Array.from({ length: 30 }, (_, i) => {
    const day = new Date(Date.now() - (29 - i) * 86_400_000);
    const weekend = day.getUTCDay() === 0 || day.getUTCDay() === 6;
    const cost = i === 11 || i === 23 ? 1.9 : (weekend ? 0.25 : 0.7) + ((i * 37) % 11) / 20;
    return {
      id: `usage:['${day.toISOString().slice(0, 10)}', 'claude-sonnet-5-5']`,
      day: day.toISOString().slice(0, 10),
      model: 'claude-sonnet-5-5',
      requests: Math.round(cost * 40),
      input_tokens: Math.round(cost * 180_000),
      output_tokens: Math.round(cost * 22_000),
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: Math.round(cost * 60_000),
      cost_usd: cost,
    };
  });
  const settings: { id: string; key: string; value: unknown; updated_at: string }[] = [
    { id: 'setting:budget_daily_usd', key: 'budget_daily_usd', value: 1.5, updated_at: iso(T0) },
    { id: 'setting:budget_monthly_usd', key: 'budget_monthly_usd', value: 40, updated_at: iso(T0) },
  ];
  /** Settings the UI wrote (setting.set), in order. */
  const settingWrites: { key: string; value: unknown }[] = [];
  let link: WhatsAppLink | null = null;
  /** What the UI asked of the backend for a move: keys pinned, moves started. */
  const moves: { trusted: string[]; to: VpsTarget[] } = { trusted: [], to: [] };
  const backups: BackupOverview = {
    folder: '/home/ada/.mono/backups',
    entries: [],
    schedule: { enabled: true, everyHours: 24, keep: 7 },
  };
  let sync: SyncStatus = { state: 'online', epoch: 1, since: iso(T0), attempt: 0 };
  const app: AppState = {
    version: '0.1.0',
    shell: 'browser',
    mode: 'local',
    wizard: {
      step: 'done',
      done: true,
      reopened: false,
      claude: { model: 'claude-sonnet-5-5' },
      telegram: { botName: 'Mono', username: 'my_mono_bot', link: 'https://t.me/my_mono_bot' },
      whatsapp: { mode: 'linked' },
    },
    vault: {
      state: 'ready',
      protection: 'passphrase',
      description: 'Encrypted with a key made from your passphrase (scrypt).',
    },
    secrets: [
      { name: 'anthropic_api_key', set: true },
      { name: 'telegram_bot_token', set: true },
    ],
    launchAtLogin: null,
  };

  /** Image previews by `${message}#${index}` (media_preview rows). */
  const previews = new Map<string, { mime: string; data: string }>();
  const sttCalls: unknown[] = [];

  const specific: Partial<Handlers> = {
    'media.preview': async ({ message, index }) => previews.get(`${message}#${index}`) ?? null,
    'stt.test': async (input) => {
      sttCalls.push(input);
      return { text: '', ms: 12 };
    },
    'stt.configure': async (input) => {
      sttCalls.push(input);
      return { applied: 'restarted' };
    },
    'app.state': async () => app,
    'agent.health': async () => ({ problems: [] }),
    'claude.models': async () => [{ id: 'claude-sonnet-5-5', name: 'Claude Sonnet 5.5' }],
    'sync.status': async () => sync,
    'install.state': async () => ({ running: false, steps: [], log: [] }),
    'conversation.list': async () => conversations,
    'conversation.messages': async ({ conversation }) =>
      thread.filter((m) => m.conversation === conversation),
    'conversation.markRead': async () => ({ ok: true }),
    'pairing.list': async () => pairings,
    'job.list': async () => jobs,
    'usage.list': async () => usage,
    'setting.list': async () => settings,
    'setting.set': async ({ key, value }) => {
      settingWrites.push({ key, value });
      const row = { id: `setting:${key}`, key, value, updated_at: new Date().toISOString() };
      const at = settings.findIndex((s) => s.key === key);
      if (at >= 0) settings[at] = row;
      else settings.push(row);
      // As the live query delivers the agent's datastore changing.
      bridge.broadcast('db.change', { table: 'setting', action: 'UPDATE', id: row.id, row: { ...row } });
      return { ok: true };
    },
    'contact.list': async () => [],
    'owner.list': async () => [],
    'server.logs': async () => [],
    'server.followLogs': async () => ({ following: false }),
    'whatsapp.link': async () => link,
    'backup.overview': async () => backups,
    'ssh.hostKey': async (target) => ({
      host: target.host,
      port: target.port,
      type: 'ssh-ed25519',
      fingerprint: 'SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s',
      status: moves.trusted.includes(target.host) ? 'pinned' : 'new',
    }),
    'ssh.trustHostKey': async ({ target, fingerprint }) => {
      moves.trusted.push(target.host);
      return { host: target.host, port: target.port, type: 'ssh-ed25519', fingerprint, status: 'pinned' };
    },
    'backup.move': async (target) => {
      moves.to.push(target);
      return backups;
    },
    'server.status': async () => ({
      mode: 'local',
      reachable: true,
      paused: false,
      channels: { telegram: 'polling' },
    }),
  };
  const handlers = Object.fromEntries(
    METHOD_NAMES.map((name) => [
      name,
      async (input: unknown) => {
        calls.push(name);
        const handler = specific[name] as ((i: unknown) => Promise<unknown>) | undefined;
        if (!handler) throw new Error(`fixture: ${name} not scripted`);
        return handler(input);
      },
    ]),
  ) as unknown as Handlers;

  const bridge: Bridge = await startBridge({
    handlers,
    rendererDir: RENDERER_DIR,
    ...(options.port !== undefined && { port: options.port }),
    ...(options.key !== undefined && { key: options.key }),
  });
  return {
    bridge,
    /** The scripted handlers, as MONO's services would answer (call them through dispatch for the IPC checks). */
    handlers,
    calls,
    conversations,
    thread,
    moves,
    previews,
    sttCalls,
    settingWrites,
    /** The usage rows usage.list answers (the Usage screen loads them when opened). */
    usage,
    setSync(next: Partial<SyncStatus>) {
      sync = { ...sync, ...next };
      bridge.broadcast('sync.status', sync);
    },
    /** A message row written by the agent, as the live query delivers it. */
    pushMessage(row: MessageRow) {
      thread.push(row);
      bridge.broadcast('db.change', { table: 'message', action: 'CREATE', id: row.id, row: { ...row } });
    },
    /** The agent's status row (heartbeat, channels, faults) changing, as the live query delivers it. */
    setAgentStatus(row: Omit<AgentStatusRow, 'id'>) {
      bridge.broadcast('db.change', {
        table: 'agent_status',
        action: 'UPDATE',
        id: 'agent_status:current',
        row: { ...row, id: 'agent_status:current' },
      });
    },
    /** The agent's linked-device state changing, as the live query delivers it. */
    setLink(next: Omit<WhatsAppLink, 'id' | 'updated_at'>) {
      link = { id: 'whatsapp_link:current', updated_at: new Date().toISOString(), ...next };
      bridge.broadcast('db.change', {
        table: 'whatsapp_link',
        action: 'UPDATE',
        id: link.id,
        row: { ...link },
      });
    },
    close: () => bridge.close(),
  };
}

export type Fixture = Awaited<ReturnType<typeof startFixture>>;
