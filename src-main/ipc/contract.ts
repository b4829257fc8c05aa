// The one IPC contract between the renderer and the main-process services: method names, zod schemas, and the
// `window.mono` type derived from them. The preload, the bridge and the renderer all derive from this module.
import { z } from 'zod';
import {
  DAILY_CAP_SETTING,
  MAX_CAP_USD,
  MONTHLY_CAP_SETTING,
} from '../../agent-core/contract/budget-caps.ts';
import { MAX_CHAT_TEXT } from '../../agent-core/contract/desktop-chat.ts';
import type { OwnerRow } from '../../agent-core/contract/owners.ts';
import type {
  ContactRow,
  JobRow,
  JobRunRow,
  MessageRow,
  PairingRow,
  SettingRow,
  UsageRow,
  WhatsAppLinkRow,
} from '../../agent-core/contract/tables.ts';
import { isTimeZone } from '../../agent-core/jobs/local-time.ts';
import type { DbChange } from './db-change.ts';
import { FleetDeploy, FleetHosts, type FleetState, FleetTrust } from './fleet-contract.ts';
import {
  CONTROL_CHARS_MESSAGE,
  hasControlChars,
  PASSPHRASE_MIN_LENGTH,
  VERIFY_TOKEN_LENGTH,
  VERIFY_TOKEN_MESSAGE,
} from './input-rules.ts';
import { SECRET_FORMATS, SECRET_NAMES, type SecretName } from './secret-formats.ts';
import type {
  AgentHealth,
  BackupOverview,
  ChatHistory,
  ConversationHit,
  FleetHostKey,
  HostKeyView,
  InstallState,
  OwnerClaim,
  PreflightCheck,
  ServerStatus,
  SyncStatus,
} from './views.ts';
import { VpsTarget } from './vps-target.ts';

// The contract's parts kept in their own modules, exported from here so every side imports the contract alone.
export * from './secret-formats.ts';
export type * from './views.ts';
export { VpsTarget };

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
const credential = (min: number, empty: string, max: number, tooLong?: string) =>
  z
    .string()
    .trim()
    .min(min, empty)
    .max(max, tooLong)
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

/** Claude models offered in Integrations, as the key's account lists them. */
export interface ClaudeModel {
  id: string;
  name: string;
}

export const WIZARD_STEPS = ['claude', 'telegram', 'whatsapp', 'where', 'install', 'done'] as const;
export type WizardStep = (typeof WIZARD_STEPS)[number];

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
      token: z
        .string()
        .trim()
        .regex(SECRET_FORMATS.telegram_bot_token.pattern, SECRET_FORMATS.telegram_bot_token.message),
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
        verifyToken: credential(
          VERIFY_TOKEN_LENGTH.min,
          VERIFY_TOKEN_MESSAGE,
          VERIFY_TOKEN_LENGTH.max,
          VERIFY_TOKEN_MESSAGE,
        ),
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
    input: z
      .object({
        key: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'Setting keys are lower_snake_case.'),
        value: z.union([
          z.string().max(20000),
          z.number(),
          z.boolean(),
          z.null(),
          z.array(z.string().max(200)),
        ]),
      })
      .superRefine(({ key, value }, ctx) => {
        const budget = key === DAILY_CAP_SETTING || key === MONTHLY_CAP_SETTING;
        if (budget && value !== null && !(typeof value === 'number' && value >= 0 && value <= MAX_CAP_USD))
          ctx.addIssue({
            code: 'custom',
            path: ['value'],
            message: 'A budget is an amount in US dollars from 0 to 1,000,000, or empty for no limit.',
          });
        if (key === 'timezone' && value !== null && !(typeof value === 'string' && isTimeZone(value)))
          ctx.addIssue({ code: 'custom', path: ['value'], message: 'Choose a time zone from the list.' });
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
        timezone: z.string().min(1).max(64).refine(isTimeZone, 'Choose a time zone from the list.'),
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
  /** What changed (each field on its own), merged into the schedule as it is now. */
  'backup.setSchedule': {
    input: z
      .object({
        enabled: z.boolean(),
        everyHours: z
          .number()
          .int()
          .min(1)
          .max(24 * 7),
        keep: z.number().int().min(1).max(100),
      })
      .partial(),
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
