// The agent's configuration: read once from the environment, every problem collected into one ConfigError.
import { homedir } from 'node:os';
import { join } from 'node:path';
import {
  loadWhatsAppCloud,
  loadWhatsAppLinked,
  type WhatsAppCloudConfig,
  type WhatsAppLinkedConfig,
} from '../channels/whatsapp/config.ts';
import { Secret } from './secret.ts';

export const DEFAULT_MODEL = 'claude-sonnet-5-5';

export interface TelegramConfig {
  token: Secret;
  apiRoot: string;
  /** Set: updates arrive at POST /telegram carrying this secret; long polling is off. */
  webhookSecret?: Secret;
  /** Set (with webhookSecret): the agent registers this URL with Telegram at start. */
  webhookUrl?: string;
  allow: Allowlist;
}

/** `*` allows everyone; otherwise the channel's own user ids. */
export type Allowlist = { everyone: true } | { everyone: false; ids: ReadonlySet<string> };

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
  logLevel: string;
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
    problems.push('Set both MONO_DB_USER and MONO_DB_PASS, or neither.');
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
    logLevel,
  };
}

function loadTelegram(
  text: (name: string) => string | undefined,
  problems: string[],
): TelegramConfig | undefined {
  const token = text('TELEGRAM_BOT_TOKEN');
  const webhookSecret = text('TELEGRAM_WEBHOOK_SECRET');
  const webhookUrl = text('TELEGRAM_WEBHOOK_URL');
  const apiRoot = text('TELEGRAM_API_ROOT') ?? 'https://api.telegram.org';
  if (!token) {
    if (webhookSecret || webhookUrl)
      problems.push('TELEGRAM_WEBHOOK_* is set but TELEGRAM_BOT_TOKEN is not.');
    return undefined;
  }
  if (!/^\d+:[\w-]{20,}$/.test(token)) {
    problems.push(
      'TELEGRAM_BOT_TOKEN does not look like a bot token (123456:ABC…): copy it again from @BotFather.',
    );
  }
  if (!isHttpUrl(apiRoot)) problems.push('TELEGRAM_API_ROOT must be an http(s):// address.');
  if (webhookSecret && !/^[A-Za-z0-9_-]{1,256}$/.test(webhookSecret)) {
    problems.push(
      'TELEGRAM_WEBHOOK_SECRET may only contain A-Z, a-z, 0-9, _ and - (1 to 256 characters), as Telegram requires.',
    );
  }
  if (webhookUrl && !webhookSecret)
    problems.push('TELEGRAM_WEBHOOK_URL needs TELEGRAM_WEBHOOK_SECRET as well.');
  if (webhookUrl && !/^https:\/\//.test(webhookUrl) && !webhookUrl.startsWith('http://127.')) {
    problems.push('TELEGRAM_WEBHOOK_URL must be an https:// address Telegram can reach.');
  }
  const allow = parseAllowlist(text('MONO_ALLOW_TELEGRAM'));
  if (!allow) problems.push('MONO_ALLOW_TELEGRAM must be * or comma-separated numeric Telegram user ids.');
  return {
    token: new Secret(token),
    apiRoot: apiRoot.replace(/\/+$/, ''),
    ...(webhookSecret ? { webhookSecret: new Secret(webhookSecret) } : {}),
    ...(webhookUrl ? { webhookUrl } : {}),
    allow: allow ?? { everyone: false, ids: new Set() },
  };
}

export function parseAllowlist(value: string | undefined): Allowlist | undefined {
  if (!value) return { everyone: false, ids: new Set() };
  if (value === '*') return { everyone: true };
  const ids = value
    .split(',')
    .map((id) => id.trim())
    .filter(Boolean);
  if (ids.some((id) => !/^-?\d+$/.test(id))) return undefined;
  return { everyone: false, ids: new Set(ids) };
}

function parsePort(value: string): number | undefined {
  if (!/^\d+$/.test(value)) return undefined;
  const port = Number(value);
  return port <= 65535 ? port : undefined;
}

function isHttpUrl(value: string): boolean {
  return /^https?:\/\/[^\s]+$/.test(value);
}
