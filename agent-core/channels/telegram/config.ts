// Telegram's configuration from the environment: the bot token, webhook or long polling, and who may write.
import { Secret } from '../../config/secret.ts';
import { type Allowlist, type EnvText, isHttpUrl, parseAllowlist } from '../../config/values.ts';

export interface TelegramConfig {
  token: Secret;
  apiRoot: string;
  /** Set: updates arrive at POST /telegram carrying this secret; long polling is off. */
  webhookSecret?: Secret;
  /** Set (with webhookSecret): the agent registers this URL with Telegram at start. */
  webhookUrl?: string;
  allow: Allowlist;
}

export function loadTelegram(text: EnvText, problems: string[]): TelegramConfig | undefined {
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
