// The agent's configuration: read once from the environment, every problem collected into one ConfigError.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { type EmailConfig, loadEmail } from '../channels/email/config.ts';
import { loadTelegram, type TelegramConfig } from '../channels/telegram/config.ts';
import {
  loadWhatsAppCloud,
  loadWhatsAppLinked,
  type WhatsAppCloudConfig,
  type WhatsAppLinkedConfig,
} from '../channels/whatsapp/config.ts';
import { type FaultConfig, loadFaults } from '../health/config.ts';
import { isTimeZone } from '../jobs/local-time.ts';
import { loadMedia, type MediaConfig } from '../media/config.ts';
import { Secret } from './secret.ts';
import { isHttpUrl } from './values.ts';

export const DEFAULT_MODEL = 'claude-sonnet-5-5';

export interface AgentConfig {
  dataDir: string;
  http: { host: string; port: number };
  /** ws(s)://… of an external SurrealDB server; unset: the embedded datastore in dataDir. */
  dbUrl?: string;
  dbCredentials?: { username: string; password: Secret };
  hub: { socketPath?: string; tcp?: { host: string; port: number } };
  anthropic: { apiKey?: Secret; baseUrl?: string; model: string };
  telegram?: TelegramConfig;
  whatsapp?: WhatsAppCloudConfig;
  whatsappLinked?: WhatsAppLinkedConfig;
  email?: EmailConfig;
  /** Speech to text and web tools (files themselves need no configuration). */
  media: MediaConfig;
  logLevel: string;
  features: FeatureConfig;
  /** MONO_EXIT_WITH_PARENT=1: stop when stdin closes (the desktop that started this agent is gone). */
  exitWithParent: boolean;
  /** MONO_PID_FILE: the systemd unit's PIDFile=; set, the agent hands over to a new release on SIGUSR2 (handover.ts). */
  pidFile?: string;
  faults: FaultConfig;
}

/** Jobs, webhooks, memory and history; every period is configurable so tests can run fast. */
export interface FeatureConfig {
  /** MONO_TIMEZONE: the owner's IANA time zone when the `timezone` setting is unset (else the machine's). */
  timezone?: string;
  /** MONO_OWNER_CHAT ("telegram:1001"): the owner when the allowlist is `*`; the owner_chat setting wins over it. */
  ownerChat?: string;
  /** How often the scheduler looks for due jobs (MONO_JOB_TICK_MS, default 5000). */
  jobTickMs: number;
  /** A run this long after its slot is marked late (MONO_JOB_LATE_AFTER_S, default 120). */
  jobLateAfterMs: number;
  /** Messages of a conversation sent to Claude; older ones are summarized (MONO_HISTORY_LIMIT, default 40). */
  historyLimit: number;
  stripeWebhookSecret?: Secret;
  /** Generic hooks: MONO_HOOK_SECRET_<NAME> is the HMAC secret or bearer token of /hooks/<name>. */
  hookSecrets: ReadonlyMap<string, Secret>;
  /** Requests per minute per hook source before 429 (MONO_HOOK_RATE_PER_MIN, default 60). */
  hookRatePerMinute: number;
  /** Largest webhook body (MONO_HOOK_MAX_BYTES, default 262144). */
  hookMaxBytes: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `MONO cannot start: the configuration has ${problems.length} problem(s):\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
    this.name = 'ConfigError';
  }
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AgentConfig {
  const problems: string[] = [];
  const text = (name: string) => {
    const value = env[name]?.trim();
    return value ? value : undefined;
  };

  const port = parsePort(text('MONO_HTTP_PORT') ?? '7420');
  if (port === undefined)
    problems.push('MONO_HTTP_PORT must be a port number from 0 to 65535 (0 picks a free one).');

  const logLevel = (text('MONO_LOG_LEVEL') ?? 'info').toLowerCase();
  if (!LOG_LEVELS.includes(logLevel))
    problems.push(`MONO_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}.`);

  const dbUrl = text('MONO_DB_URL');
  if (dbUrl && !/^wss?:\/\//.test(dbUrl)) {
    problems.push(
      'MONO_DB_URL must be a ws:// or wss:// address of a SurrealDB server (or unset for the embedded datastore).',
    );
  }
  const dbUser = text('MONO_DB_USER');
  const dbPass = text('MONO_DB_PASS');
  if (Boolean(dbUser) !== Boolean(dbPass))
    problems.push('Set both MONO_DB_USER and MONO_DB_PASS, or neither (then the db hub generates its own).');
  if (dbUrl && !dbUser)
    problems.push('MONO_DB_URL needs MONO_DB_USER and MONO_DB_PASS to sign in to that server.');

  const hubListen = text('MONO_HUB_LISTEN');
  let hubTcp: { host: string; port: number } | undefined;
  if (hubListen) {
    const match = /^(.+):(\d+)$/.exec(hubListen);
    const hubPort = match ? parsePort(match[2]!) : undefined;
    if (!match || hubPort === undefined) problems.push('MONO_HUB_LISTEN must look like 127.0.0.1:7421.');
    else hubTcp = { host: match[1]!, port: hubPort };
  }

  const model = text('MONO_MODEL') ?? DEFAULT_MODEL;
  const apiKey = text('ANTHROPIC_API_KEY');
  const baseUrl = text('ANTHROPIC_BASE_URL');
  if (baseUrl && !isHttpUrl(baseUrl)) problems.push('ANTHROPIC_BASE_URL must be an http(s):// address.');

  const telegram = loadTelegram(text, problems);
  if (telegram && !apiKey) {
    problems.push(
      'TELEGRAM_BOT_TOKEN is set but ANTHROPIC_API_KEY is not: set your Claude API key so the agent can answer.',
    );
  }

  const features = loadFeatures(env, text, problems);

  const whatsapp = loadWhatsAppCloud(text, problems);
  const whatsappLinked = loadWhatsAppLinked(text, problems);
  if (whatsapp && whatsappLinked) {
    problems.push(
      'Use either the WhatsApp Cloud API (WHATSAPP_TOKEN…) or a linked device (MONO_WHATSAPP_LINKED=1), not both.',
    );
  }
  if ((whatsapp || whatsappLinked) && !apiKey) {
    problems.push(
      'WhatsApp is configured but ANTHROPIC_API_KEY is not: set your Claude API key so the agent can answer.',
    );
  }

  const email = loadEmail(text, problems);
  const faults = loadFaults(text, problems);
  const media = loadMedia(text, problems);

  if (problems.length > 0) throw new ConfigError(problems);

  return {
    dataDir: text('MONO_DATA_DIR') ?? join(homedir(), '.mono', 'agent'),
    http: { host: text('MONO_HTTP_HOST') ?? '127.0.0.1', port: port! },
    ...(dbUrl ? { dbUrl } : {}),
    ...(dbUser && dbPass ? { dbCredentials: { username: dbUser, password: new Secret(dbPass) } } : {}),
    hub: {
      ...(text('MONO_HUB_SOCKET') ? { socketPath: text('MONO_HUB_SOCKET') } : {}),
      ...(hubTcp ? { tcp: hubTcp } : {}),
    },
    anthropic: { ...(apiKey ? { apiKey: new Secret(apiKey) } : {}), ...(baseUrl ? { baseUrl } : {}), model },
    ...(telegram ? { telegram } : {}),
    ...(whatsapp ? { whatsapp } : {}),
    ...(whatsappLinked ? { whatsappLinked } : {}),
    ...(email ? { email } : {}),
    media,
    logLevel,
    features,
    exitWithParent: text('MONO_EXIT_WITH_PARENT') === '1',
    ...(text('MONO_PID_FILE') ? { pidFile: text('MONO_PID_FILE') } : {}),
    faults,
  };
}

function loadFeatures(
  env: NodeJS.ProcessEnv,
  text: (name: string) => string | undefined,
  problems: string[],
): FeatureConfig {
  const int = (name: string, fallback: number, min: number) => {
    const value = text(name);
    if (value === undefined) return fallback;
    if (!/^\d+$/.test(value) || Number(value) < min) {
      problems.push(`${name} must be a whole number of at least ${min}.`);
      return fallback;
    }
    return Number(value);
  };
  // Unset: the machine's zone, looked up when first needed (ICU's zone data costs start-up time and memory).
  const timezone = text('MONO_TIMEZONE');
  if (timezone !== undefined && !isTimeZone(timezone))
    problems.push(`MONO_TIMEZONE must be an IANA time zone such as Europe/Berlin (got "${timezone}").`);
  const ownerChat = text('MONO_OWNER_CHAT');
  if (ownerChat !== undefined && !/^(telegram|whatsapp|email):\S+$/.test(ownerChat))
    problems.push(
      `MONO_OWNER_CHAT must be <channel>:<chat id>, e.g. telegram:123456789 (got "${ownerChat}").`,
    );
  const hookSecrets = new Map<string, Secret>();
  for (const [name, value] of Object.entries(env)) {
    const match = /^MONO_HOOK_SECRET_([A-Z0-9_]+)$/.exec(name);
    if (!match || !value?.trim()) continue;
    if (value.trim().length < 16) problems.push(`${name} must be at least 16 characters long.`);
    hookSecrets.set(match[1]!.toLowerCase().replace(/_/g, '-'), new Secret(value.trim()));
  }
  const stripe = text('STRIPE_WEBHOOK_SECRET');
  if (stripe && !stripe.startsWith('whsec_'))
    problems.push(
      'STRIPE_WEBHOOK_SECRET must be the signing secret (whsec_…) of your Stripe webhook endpoint.',
    );
  return {
    ...(timezone ? { timezone } : {}),
    ...(ownerChat ? { ownerChat } : {}),
    jobTickMs: int('MONO_JOB_TICK_MS', 5000, 50),
    jobLateAfterMs: int('MONO_JOB_LATE_AFTER_S', 120, 1) * 1000,
    historyLimit: int('MONO_HISTORY_LIMIT', 40, 4),
    ...(stripe ? { stripeWebhookSecret: new Secret(stripe) } : {}),
    hookSecrets,
    hookRatePerMinute: int('MONO_HOOK_RATE_PER_MIN', 60, 1),
    hookMaxBytes: int('MONO_HOOK_MAX_BYTES', 262_144, 1024),
  };
}

function parsePort(value: string): number | undefined {
  if (!/^\d+$/.test(value)) return undefined;
  const port = Number(value);
  return port <= 65535 ? port : undefined;
}
