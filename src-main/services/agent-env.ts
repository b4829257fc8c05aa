// The agent's environment as the desktop configures it, for both places it runs: secrets from the vault (by
// their env names) and the non-secret choices from prefs (WhatsApp mode and ids).
import { currentTimeZone } from '../../agent-core/jobs/local-time.ts';
import type { Prefs } from './prefs.ts';
import type { Vault } from './vault.ts';

/** Vault entry → the agent's environment variable. */
export const SECRET_ENV: Record<string, string> = {
  anthropic_api_key: 'ANTHROPIC_API_KEY',
  telegram_bot_token: 'TELEGRAM_BOT_TOKEN',
  whatsapp_access_token: 'WHATSAPP_TOKEN',
  whatsapp_app_secret: 'WHATSAPP_APP_SECRET',
  whatsapp_verify_token: 'WHATSAPP_VERIFY_TOKEN',
  stripe_secret_key: 'STRIPE_SECRET_KEY',
  stripe_webhook_secret: 'STRIPE_WEBHOOK_SECRET',
  // Generic webhooks: the secret of /hooks/default.
  webhook_secret: 'MONO_HOOK_SECRET_DEFAULT',
  stt_api_key: 'MONO_STT_API_KEY',
  vps_hub_password: 'MONO_DB_PASS',
};

/** Every stored secret under its env name (revealed: only for a child process's env or an SSH upload). */
export function secretsEnv(vault: Vault, skip: string[] = []): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, variable] of Object.entries(SECRET_ENV)) {
    if (skip.includes(name)) continue;
    const value = vault.get(name)?.reveal();
    if (value) env[variable] = value;
  }
  return env;
}

/**
 * What the owner chose that the agent reads from its environment (nothing secret): the model, WhatsApp's mode, and
 * the owner's time zone as this computer has it. A VPS runs on UTC: without it "remind me at 9" from Berlin meant
 * 09:00 UTC. The `timezone` setting (Integrations → Time zone) still wins.
 */
export function settingsEnv(prefs: Prefs): Record<string, string> {
  const env: Record<string, string> = {};
  env.MONO_TIMEZONE = currentTimeZone();
  if (prefs.claude?.model) env.MONO_MODEL = prefs.claude.model;
  const whatsapp = prefs.whatsapp;
  if (whatsapp?.mode === 'cloud' && whatsapp.phoneNumberId)
    env.WHATSAPP_PHONE_NUMBER_ID = whatsapp.phoneNumberId;
  if (whatsapp?.mode === 'linked') {
    env.MONO_WHATSAPP_LINKED = '1';
    if (whatsapp.pairingPhone) env.MONO_WHATSAPP_PAIRING_PHONE = whatsapp.pairingPhone;
  }
  if (prefs.stt) {
    env.MONO_STT_URL = prefs.stt.url;
    env.MONO_STT_MODEL = prefs.stt.model;
  }
  return env;
}
