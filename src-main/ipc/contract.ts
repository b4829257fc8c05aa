// The one IPC contract between the renderer and the main-process services: method names, zod schemas, and the
// `window.mono` type derived from them. The preload, the bridge and the renderer all derive from this module.
import { z } from 'zod';
import type { DesktopInboxRow } from '../../agent-core/contract/desktop-chat.ts';
import { MAX_CHAT_TEXT } from '../../agent-core/contract/desktop-chat.ts';
import type { OwnerRow } from '../../agent-core/contract/owners.ts';
import type {
  ActionRow,
  ContactRow,
  ConversationRow,
  JobRow,
  JobRunRow,
  MessageRow,
  PairingRow,
  SettingRow,
  UsageRow,
  WhatsAppLinkRow,
} from '../../agent-core/contract/tables.ts';
import type { DbChange } from './db-change.ts';
import { FleetDeploy, FleetHosts, type FleetState, FleetTrust } from './fleet-contract.ts';
import { CONTROL_CHARS_MESSAGE, hasControlChars, PASSPHRASE_MIN_LENGTH } from './input-rules.ts';
import { vpsTargetProblems } from './vps-target.ts';

const none = z.undefined().or(z.object({}).strict());
/** A record id as the datastore gives it (`message:abc`, `conversation:⟨telegram:42⟩`); sent as a parameter. */
const id = (table: string) =>
  z
    .string()
    .max(300)
    .refine(
      (v) =>
        v.startsWith(`${table}:`) && v.length > table.length + 1 && ![...v].some((c) => c.charCodeAt(0) < 32),
      {
        message: `Not a ${table} record id.`,
      },
    );

/** A message typed in the desktop: trimmed, not empty, bounded. */
const chatText = z
  .string()
  .trim()
  .min(1, 'Write something first.')
  .max(MAX_CHAT_TEXT, `At most ${MAX_CHAT_TEXT.toLocaleString('en')} characters in one message.`);
/** Made once per message by the renderer (a UUID): sending the same message again is recognised as such. */
const clientId = z.string().uuid('Expected a message id made by the app.');

const NO_CONTROL = CONTROL_CHARS_MESSAGE;
/** A pasted credential: trimmed, then refused if anything invisible is left inside it. */
const credential = (min: number, empty: string, max: number) =>
  z
    .string()
    .trim()
    .min(min, empty)
    .max(max)
    .refine((v) => !hasControlChars(v), NO_CONTROL);

const passphrase = z
  .string()
  .max(1024, 'That passphrase is too long.')
  .refine((v) => !hasControlChars(v), NO_CONTROL);
const newPassphrase = passphrase.refine(
  (v) => v.length >= PASSPHRASE_MIN_LENGTH,
  `Use at least ${PASSPHRASE_MIN_LENGTH} characters — a few words you will remember.`,
);

/** How the desktop's secrets are protected on this machine, and whether they can be read right now. */
export interface VaultStatus {
  /** ready: readable · locked: waits for the passphrase · setup: needs a passphrase · unavailable: keyring gone. */
  state: 'ready' | 'locked' | 'setup' | 'unavailable';
  protection: 'keyring' | 'passphrase' | null;
  /** How the keys are protected, in words that are true on this machine (empty until there is a protection). */
  description: string;
  /** Why a passphrase is needed here, or what went wrong. */
  problem?: string;
  /** Secrets stored before (under weaker protection) that the new passphrase will protect. */
  migrating?: boolean;
}

export const SECRET_NAMES = [
  'anthropic_api_key',
  'telegram_bot_token',
  'whatsapp_access_token',
  'whatsapp_app_secret',
  'stripe_secret_key',
  'stripe_webhook_secret',
  'webhook_secret',
  'stt_api_key',
] as const;
export type SecretName = (typeof SECRET_NAMES)[number];

const TELEGRAM_TOKEN = /^\d{5,}:[A-Za-z0-9_-]{20,}$/;
const TELEGRAM_TOKEN_HINT = 'A bot token looks like 123456789:AA… — copy it from @BotFather.';

/** What each secret looks like, checked before anything is saved or sent (the agent refuses the same mistakes). */
export const SECRET_FORMATS: Record<SecretName, { pattern: RegExp; message: string }> = {
  anthropic_api_key: {
    pattern: /^sk-ant-[\w-]+$/,
    message: 'A Claude API key starts with sk-ant- — copy it from console.anthropic.com → API Keys.',
  },
  telegram_bot_token: { pattern: TELEGRAM_TOKEN, message: TELEGRAM_TOKEN_HINT },
  whatsapp_access_token: {
    pattern: /^\S{20,1000}$/,
    message: 'Paste the permanent access token (no spaces).',
  },
  whatsapp_app_secret: { pattern: /^\S{8,200}$/, message: 'Paste the app secret (App settings → Basic).' },
  stripe_secret_key: {
    pattern: /^(sk|rk)_(live|test)_\w+$/,
    message: 'A Stripe key starts with rk_live_, rk_test_, sk_live_ or sk_test_.',
  },
  stripe_webhook_secret: {
    pattern: /^whsec_\w+$/,
    message: "The signing secret starts with whsec_ — it is on the webhook endpoint's page in Stripe.",
  },
  webhook_secret: {
    pattern: /^\S{16,400}$/,
    message: 'Use at least 16 characters without spaces, as hard to guess as a password.',
  },
  stt_api_key: { pattern: /^\S{1,400}$/, message: "Paste the speech service's API key (no spaces)." },
};

/** Claude models offered in Integrations, as the key's account lists them. */
export interface ClaudeModel {
  id: string;
  name: string;
}

export const WIZARD_STEPS = ['claude', 'telegram', 'whatsapp', 'where', 'install', 'done'] as const;
export type WizardStep = (typeof WIZARD_STEPS)[number];

const VpsTarget = z
  .object({
    host: z.string().trim().min(1, 'Enter the server address.').max(253),
    user: z.string().trim().min(1, 'Enter the user name.').max(64),
    port: z.number().int().min(1, 'The SSH port is a number from 1 to 65535.').max(65535).default(22),
    keyPath: z
      .string()
      .trim()
      .min(1, 'Choose a key file.')
      .max(4096)
      .refine((v) => !hasControlChars(v), NO_CONTROL),
  })
  .superRefine((target, ctx) => {
    const problems = vpsTargetProblems(target);
    for (const field of ['host', 'user', 'port'] as const) {
      const message = problems[field];
      if (message) ctx.addIssue({ code: 'custom', message, path: [field] });
    }
  });
export type VpsTarget = z.infer<typeof VpsTarget>;

export interface AppState {
  version: string;
  shell: 'electron' | 'browser';
  mode: 'local' | 'vps' | null;
  wizard: {
    step: WizardStep;
    done: boolean;
    /** Opened again after setup (from the Server screen): it can be closed without changing anything. */
    reopened: boolean;
    claude?: { model: string };
    telegram?: { botName: string; username: string; link: string };
    whatsapp?: { mode: 'skip' | 'cloud' | 'linked'; phoneNumberId?: string; pairingPhone?: string };
    vps?: VpsTarget;
    /** The speech-to-text service voice notes go to (its key is the secret stt_api_key). */
    stt?: SpeechSettings;
  };
  secrets: { name: SecretName; set: boolean }[];
  vault: VaultStatus;
  /** Start MONO when the user logs in; null where the shell cannot (the browser). */
  launchAtLogin: boolean | null;
}

const SpeechSettings = z.object({
  url: z
    .string()
    .trim()
    .regex(/^https?:\/\/[^\s/?#@]+(\/[^\s?#]*)?$/, 'The service address, e.g. https://api.openai.com/v1.')
    .max(500),
  model: z.string().trim().min(1, 'Name the model, e.g. whisper-1.').max(100),
});
export type SpeechSettings = z.infer<typeof SpeechSettings>;

/** `unresponsive`: connected, but the agent stopped answering (frozen or stuck) — distinct from `offline`. */
export type SyncState = 'connecting' | 'online' | 'unresponsive' | 'offline';
export interface SyncStatus {
  state: SyncState;
  /** Increments after every (re)connect: the renderer re-selects what is on screen when it changes. */
  epoch: number;
  since: string;
  attempt: number;
  nextRetryAt?: string;
  error?: string;
}

export interface InstallStep {
  step: string;
  /** `waiting`: done as far as MONO can go; the owner has a step to take (its message says which). */
  status: 'pending' | 'running' | 'done' | 'failed' | 'skipped' | 'waiting';
  message: string;
}
export interface InstallState {
  running: boolean;
  steps: InstallStep[];
  log: string[];
  error?: { step: string; message: string; hint?: string };
  finishedAt?: string;
}

export interface ServerStatus {
  mode: 'local' | 'vps' | null;
  /** The agent answered its health check (it may still be degraded). */
  reachable: boolean;
  paused: boolean;
  /** What the agent says about itself: degraded with a reason when a service refuses it or is out of reach. */
  health?: 'ok' | 'degraded';
  reason?: string;
  version?: string;
  uptime_s?: number;
  memory_mb?: number;
  db?: string;
  channels: Record<string, string>;
  /** Claude as the agent found it ('ok', 'rejected', 'unreachable'…). */
  claude?: string;
  address?: string;
  error?: string;
  /** Where the agent keeps its data (a folder here, or on the server), and its size when known. */
  data?: { path: string; bytes?: number; onThisComputer: boolean };
}

/** Something wrong with the agent, as every screen and the tray say it: what, and what to do, in one line each. */
export interface HealthProblem {
  /** 'agent', 'owner', 'claude' or a chat channel ('telegram', 'whatsapp', 'email'). */
  part: string;
  state: 'rejected' | 'unreachable' | 'error' | 'stopped' | 'unresponsive' | 'ownerless';
  title: string;
  fix: string;
  /** The service's or the agent's own words. */
  detail?: string;
}

export interface AgentHealth {
  problems: HealthProblem[];
}

/** The key a VPS presents on first contact (or later), as the wizard shows it before anything is pinned. */
export interface HostKeyView {
  host: string;
  port: number;
  /** The key's algorithm, e.g. ssh-ed25519. */
  type: string;
  /** SHA256:… exactly as `ssh-keygen -lf` prints it. */
  fingerprint: string;
  /** new: never seen (nothing pinned) · pinned: the key MONO pinned · changed: not the pinned key (refused). */
  status: 'new' | 'pinned' | 'changed';
  pinnedFingerprint?: string;
  /** For a changed key: why MONO refuses it and what to do. */
  problem?: string;
}

/** One listed fleet server's key, as the Fleet screen shows it before anything is sent there. */
export type FleetHostKey = HostKeyView & {
  /** user@host[:port], as the list and the progress name it. */
  name: string;
  /** The key could not be read (the server is down, the name does not resolve…). */
  error?: string;
};
export type { FleetState };

/** One backup file in the desktop's backups folder (what its readable header says). */
export interface BackupEntry {
  /** The file's name in the backups folder (how the renderer names it back). */
  name: string;
  bytes: number;
  created_at: string;
  /** "local" or the VPS (user@host:port). */
  source: string;
  encrypted: boolean;
  agent_version: string;
  counts: Record<string, number>;
}

export interface BackupSchedule {
  enabled: boolean;
  everyHours: number;
  /** How many backups the folder keeps (the oldest go first). */
  keep: number;
}

export interface BackupOverview {
  folder: string;
  /** Newest first. */
  entries: BackupEntry[];
  schedule: BackupSchedule;
  /** When the next scheduled backup is due (absent when off). */
  nextAt?: string;
  /** The backup, restore or move running now, or the last one (its steps, log, error, outcome). */
  progress?: InstallState & { kind: 'backup' | 'restore' | 'move'; result?: string };
  /** After a move: the previous server, where MONO is stopped but still installed until the owner removes it. */
  oldServer?: VpsTarget;
}

export interface PreflightCheck {
  name: string;
  ok: boolean;
  detail: string;
}

/** A one-time code that makes whoever sends it to the bot an owner (shown once; only its hash is stored). */
export interface OwnerClaim {
  code: string;
  /** add: one more owner account; replace: the sender becomes the only owner. */
  mode: 'add' | 'replace';
  expiresAt: string;
  /** t.me/<bot>?start=<code>: opens the bot with the code ready to send (when Telegram is set up). */
  telegramLink?: string;
}

export type { OwnerRow };

/** A conversation in the list; while searching, `match` is its newest message containing the words. */
export type ConversationHit = ConversationRow & { match?: { text: string; at: string } };

/** The desktop's chat with MONO as the Chat screen opens it (src-main/services/chat-data.ts). */
export interface ChatHistory {
  /** The chat's conversation id, as message rows name it. */
  conversation: string;
  /** The latest messages, oldest first. */
  messages: MessageRow[];
  /** Tool calls waiting for the owner's /yes or /no in the chat. */
  actions: ActionRow[];
  /** Messages the owner sent that the agent has not taken yet. */
  inbox: DesktopInboxRow[];
}

/** whatsapp_link:current — the linked device's state (the shared contract's row). */
export type WhatsAppLink = WhatsAppLinkRow;

/** Every IPC method (a request the renderer makes): input schema (validated in main) and output type (a phantom, never validated). */
export const methods = {
  'app.state': { input: none, output: z.custom<AppState>() },
  'app.setLaunchAtLogin': { input: z.object({ enabled: z.boolean() }), output: z.custom<AppState>() },
  'wizard.checkClaude': {
    input: z.object({
      apiKey: credential(1, 'Paste your Claude API key.', 400).refine(
        (v) => SECRET_FORMATS.anthropic_api_key.pattern.test(v),
        SECRET_FORMATS.anthropic_api_key.message,
      ),
    }),
    output: z.custom<{ model: string }>(),
  },
  'wizard.checkTelegram': {
    input: z.object({
      token: z.string().trim().regex(TELEGRAM_TOKEN, TELEGRAM_TOKEN_HINT),
    }),
    output: z.custom<{ botName: string; username: string; link: string }>(),
  },
  'wizard.saveWhatsApp': {
    input: z.discriminatedUnion('mode', [
      z.object({ mode: z.literal('skip') }),
      z.object({
        mode: z.literal('linked'),
        pairingPhone: z
          .string()
          .trim()
          .regex(/^\+?[\d\s()-]{7,20}$/, 'Your number with country code, e.g. +49 151 12345678.')
          .optional()
          .or(z.literal('')),
      }),
      z.object({
        mode: z.literal('cloud'),
        phoneNumberId: z
          .string()
          .trim()
          .regex(/^\d{6,20}$/, 'The phone number ID is a long number from Meta.'),
        accessToken: credential(20, 'Paste the permanent access token.', 1000),
        appSecret: credential(8, 'Paste the app secret.', 200),
      }),
    ]),
    output: z.custom<{ saved: true }>(),
  },
  'vault.create': { input: z.object({ passphrase: newPassphrase }), output: z.custom<AppState>() },
  'vault.unlock': {
    input: z.object({ passphrase: passphrase.refine((v) => v.length > 0, 'Enter your passphrase.') }),
    output: z.custom<AppState>(),
  },
  'vault.changePassphrase': {
    input: z.object({ current: passphrase, next: newPassphrase }),
    output: z.custom<AppState>(),
  },
  'vault.reset': { input: z.object({ confirm: z.literal('forget my keys') }), output: z.custom<AppState>() },
  'whatsapp.link': { input: none, output: z.custom<WhatsAppLink | null>() },
  'wizard.goto': { input: z.object({ step: z.enum(WIZARD_STEPS) }), output: z.custom<AppState>() },
  'wizard.chooseLocal': { input: none, output: z.custom<AppState>() },
  'wizard.chooseVps': { input: VpsTarget, output: z.custom<AppState>() },
  'wizard.finish': { input: none, output: z.custom<AppState>() },
  /** Opens the setup again after it was done (every step keeps what was set); `wizard.close` leaves it. */
  'wizard.reopen': { input: none, output: z.custom<AppState>() },
  'wizard.close': { input: none, output: z.custom<AppState>() },
  'ssh.generateKey': { input: none, output: z.custom<{ keyPath: string; publicKeyLine: string }>() },
  'ssh.test': { input: VpsTarget, output: z.custom<{ ok: boolean; checks: PreflightCheck[] }>() },
  'ssh.hostKey': { input: VpsTarget, output: z.custom<HostKeyView>() },
  'ssh.trustHostKey': {
    input: z.object({
      target: VpsTarget,
      fingerprint: z
        .string()
        .trim()
        .regex(
          /^SHA256:[A-Za-z0-9+/]{43}$/,
          'A fingerprint looks like SHA256: and 43 letters, digits, + or /.',
        ),
    }),
    output: z.custom<HostKeyView>(),
  },
  'install.start': { input: none, output: z.custom<InstallState>() },
  'install.state': { input: none, output: z.custom<InstallState>() },
  'sync.status': { input: none, output: z.custom<SyncStatus>() },
  'conversation.list': {
    input: z.object({ search: z.string().max(200).optional() }).optional(),
    output: z.custom<ConversationHit[]>(),
  },
  'conversation.messages': {
    input: z.object({
      conversation: id('conversation'),
      limit: z.number().int().min(1).max(20000).optional(),
    }),
    output: z.custom<MessageRow[]>(),
  },
  'conversation.markRead': {
    input: z.object({ conversation: id('conversation') }),
    output: z.custom<{ ok: true }>(),
  },
  'message.retry': { input: z.object({ message: id('message') }), output: z.custom<{ ok: true }>() },
  /** A small copy of an image a message carried (null once the retention period removed it). */
  'media.preview': {
    input: z.object({ message: id('message'), index: z.number().int().min(0).max(20) }),
    output: z.custom<{ mime: string; data: string } | null>(),
  },
  /** Where voice notes are transcribed; null turns it off. The agent restarts (or is redeployed) with it. */
  'stt.configure': {
    input: SpeechSettings.nullable(),
    output: z.custom<{ applied: 'restarted' | 'sent' | 'saved' }>(),
  },
  /** Transcribes a one-second sample with these settings and the stored key: proves the service answers. */
  'stt.test': { input: SpeechSettings, output: z.custom<{ text: string; ms: number }>() },
  'pairing.list': { input: none, output: z.custom<PairingRow[]>() },
  'pairing.decide': {
    input: z.object({ id: id('pairing'), decision: z.enum(['approved', 'denied']) }),
    output: z.custom<{ ok: true }>(),
  },
  'contact.list': { input: none, output: z.custom<ContactRow[]>() },
  'owner.list': { input: none, output: z.custom<OwnerRow[]>() },
  /** A new one-time code: `replace` hands ownership over (the desktop asks for confirmation first). */
  'owner.claim': {
    input: z.object({ mode: z.enum(['add', 'replace']) }),
    output: z.custom<OwnerClaim>(),
  },
  'owner.remove': { input: z.object({ id: id('owner') }), output: z.custom<{ ok: true }>() },
  'contact.setAllowed': {
    input: z.object({ id: id('contact'), allowed: z.boolean() }),
    output: z.custom<{ ok: true }>(),
  },
  'setting.list': { input: none, output: z.custom<SettingRow[]>() },
  'setting.set': {
    input: z.object({
      key: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'Setting keys are lower_snake_case.'),
      value: z.union([
        z.string().max(20000),
        z.number(),
        z.boolean(),
        z.null(),
        z.array(z.string().max(200)),
      ]),
    }),
    output: z.custom<{ ok: true }>(),
  },
  /** Checked for its format, tested against its service, then applied — or put back if the agent will not start. */
  'secret.set': {
    input: z
      .object({
        name: z.enum(SECRET_NAMES),
        value: credential(1, 'Enter a value.', 4000),
      })
      .superRefine(({ name, value }, ctx) => {
        const format = SECRET_FORMATS[name];
        if (!format.pattern.test(value)) ctx.addIssue({ code: 'custom', message: format.message });
      }),
    output: z.custom<{ applied: 'restarted' | 'sent' | 'saved' }>(),
  },
  'claude.models': { input: none, output: z.custom<ClaudeModel[]>() },
  /** Tried with one tiny request first; applied like a secret (restart, or the VPS's settings). */
  'claude.setModel': {
    input: z.object({
      model: z
        .string()
        .trim()
        .regex(/^[a-z0-9][a-z0-9.-]{2,80}$/, 'Choose a model from the list.'),
    }),
    output: z.custom<{ applied: 'restarted' | 'sent' | 'saved' }>(),
  },
  'job.list': { input: none, output: z.custom<JobRow[]>() },
  'job.create': {
    input: z
      .object({
        name: z.string().trim().min(1, 'Give the job a name.').max(120),
        prompt: z.string().trim().min(1, 'Tell the agent what to do.').max(8000),
        cron: z
          .string()
          .trim()
          .regex(/^(\S+\s+){4}\S+$/, 'A schedule has five fields, e.g. "0 8 * * *" for 8:00 every day.')
          .optional(),
        runAt: z.string().datetime({ offset: true }).optional(),
        timezone: z.string().min(1).max(64),
        conversation: id('conversation'),
      })
      .refine((j) => Boolean(j.cron) !== Boolean(j.runAt), 'Choose either a schedule or a single time.'),
    output: z.custom<JobRow>(),
  },
  'job.setEnabled': {
    input: z.object({ id: id('job'), enabled: z.boolean() }),
    output: z.custom<{ ok: true }>(),
  },
  'job.delete': { input: z.object({ id: id('job') }), output: z.custom<{ ok: true }>() },
  'job.runs': { input: z.object({ job: id('job') }), output: z.custom<JobRunRow[]>() },
  'usage.list': {
    input: z.object({ days: z.number().int().min(1).max(366) }),
    output: z.custom<UsageRow[]>(),
  },
  'server.status': { input: none, output: z.custom<ServerStatus>() },
  'server.update': { input: none, output: z.custom<InstallState>() },
  'server.rollback': { input: none, output: z.custom<{ ok: true; message: string }>() },
  'server.logs': {
    input: z.object({ limit: z.number().int().min(1).max(5000) }),
    output: z.custom<string[]>(),
  },
  /** Opens the local agent's data folder in the file manager. */
  'server.openDataFolder': { input: none, output: z.custom<{ opened: boolean }>() },
  /** Restarts the agent on this computer (a frozen or stuck one). */
  'server.restart': { input: none, output: z.custom<ServerStatus>() },
  'server.followLogs': { input: z.object({ on: z.boolean() }), output: z.custom<{ following: boolean }>() },
  'agent.health': { input: none, output: z.custom<AgentHealth>() },
  'chat.history': { input: none, output: z.custom<ChatHistory>() },
  'chat.send': { input: z.object({ clientId, text: chatText }), output: z.custom<{ ok: true }>() },
  'chat.stepIn': {
    input: z.object({ conversation: id('conversation'), clientId, text: chatText }),
    output: z.custom<{ ok: true }>(),
  },
  'chat.handBack': {
    input: z.object({ conversation: id('conversation') }),
    output: z.custom<{ ok: true }>(),
  },
  'backup.overview': { input: none, output: z.custom<BackupOverview>() },
  'backup.run': { input: none, output: z.custom<BackupOverview>() },
  'backup.restore': {
    input: z.object({
      name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,200}\.monobak$/, 'Choose a backup.'),
    }),
    output: z.custom<BackupOverview>(),
  },
  'backup.setSchedule': {
    input: z.object({
      enabled: z.boolean(),
      everyHours: z
        .number()
        .int()
        .min(1)
        .max(24 * 7),
      keep: z.number().int().min(1).max(100),
    }),
    output: z.custom<BackupOverview>(),
  },
  'backup.move': { input: VpsTarget, output: z.custom<BackupOverview>() },
  'backup.uninstallOld': { input: none, output: z.custom<BackupOverview>() },
  /** Each listed server's key (nothing pinned, nothing sent): the owner compares them before trusting. */
  'fleet.check': { input: FleetHosts, output: z.custom<FleetHostKey[]>() },
  /** Pins the keys the owner confirmed, each only if the server still presents it. */
  'fleet.trust': { input: FleetTrust, output: z.custom<FleetHostKey[]>() },
  /** Deploys this app's agent to every listed server (canaries first, each baked), as `mono fleet deploy`. */
  'fleet.deploy': { input: FleetDeploy, output: z.custom<FleetState>() },
  'fleet.state': { input: none, output: z.custom<FleetState>() },
  /** Starts no further server; those under way finish their deploy (or go back). */
  'fleet.cancel': { input: none, output: z.custom<FleetState>() },
  'agent.pause': { input: none, output: z.custom<ServerStatus>() },
  'agent.resume': { input: none, output: z.custom<ServerStatus>() },
} as const;

/** Events pushed from main to the renderer (no reply). */
export interface EventPayloads {
  'sync.status': SyncStatus;
  'db.change': DbChange;
  'install.progress': InstallState;
  'server.log': { line: string };
  'app.state': AppState;
  'agent.health': AgentHealth;
  'backup.progress': BackupOverview;
  'fleet.progress': FleetState;
}
export const EVENT_NAMES = [
  'sync.status',
  'db.change',
  'install.progress',
  'server.log',
  'app.state',
  'agent.health',
  'backup.progress',
  'fleet.progress',
] as const;

export type Method = keyof typeof methods;
export type MethodInput<C extends Method> = z.input<(typeof methods)[C]['input']>;
export type MethodOutput<C extends Method> = z.output<(typeof methods)[C]['output']>;
export type EventName = keyof EventPayloads;

/** What every invoke returns over the wire: errors are values, so their message survives IPC intact. */
export type Envelope<T> = { ok: true; value: T } | { ok: false; error: { name: string; message: string } };

type DomainOf<C> = C extends `${infer D}.${string}` ? D : never;
type VerbOf<C, D extends string> = C extends `${D}.${infer V}` ? V : never;
type Args<C extends Method> =
  undefined extends MethodInput<C> ? [input?: MethodInput<C>] : [input: MethodInput<C>];

/** `window.mono`: one async function per method (`mono.conversation.list()`), plus `on` for events. */
export type MonoApi = {
  [D in DomainOf<Method>]: {
    [V in VerbOf<Method, D>]: `${D}.${V}` extends infer C extends Method
      ? (...args: Args<C>) => Promise<MethodOutput<C>>
      : never;
  };
} & {
  on<E extends EventName>(event: E, handler: (payload: EventPayloads[E]) => void): () => void;
};

export const METHOD_NAMES = Object.keys(methods) as Method[];
