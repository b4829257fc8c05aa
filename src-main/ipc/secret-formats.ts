// The secrets the desktop keeps in its vault, and what each looks like: checked before anything is saved or sent
// (the agent refuses the same mistakes). Part of the IPC contract; the renderer's forms use the same formats.
import { VERIFY_TOKEN_LENGTH, VERIFY_TOKEN_MESSAGE } from './input-rules.ts';

export const SECRET_NAMES = [
  'anthropic_api_key',
  'telegram_bot_token',
  'whatsapp_access_token',
  'whatsapp_app_secret',
  'whatsapp_verify_token',
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
  // Control characters are refused before this (every secret is a credential); the length is the rule here.
  whatsapp_verify_token: {
    pattern: new RegExp(`^.{${VERIFY_TOKEN_LENGTH.min},${VERIFY_TOKEN_LENGTH.max}}$`),
    message: VERIFY_TOKEN_MESSAGE,
  },
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
