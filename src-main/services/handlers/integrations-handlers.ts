// Integrations after setup: replacing a key or token and choosing Claude's model. Every value is checked for its
// format (by the contract), tried against its service, and only then applied — put back if the agent will not
// start with it.
import type { SecretName } from '../../ipc/contract.ts';
import { type HandlersFor, UserError } from '../../ipc/dispatch.ts';
import type { AgentConfig, ConfigChange } from '../agent-config.ts';
import type { AppStateView } from '../app-state.ts';
import {
  type CheckEndpoints,
  checkClaude,
  checkTelegram,
  checkWhatsAppCloud,
  listClaudeModels,
} from '../checks.ts';
import type { PrefsStore } from '../prefs.ts';
import type { Vault } from '../vault.ts';

const WHAT: Record<SecretName, string> = {
  anthropic_api_key: 'Claude API key',
  telegram_bot_token: 'Telegram bot token',
  whatsapp_access_token: 'WhatsApp access token',
  whatsapp_app_secret: 'WhatsApp app secret',
  whatsapp_verify_token: 'WhatsApp verify token',
  stripe_secret_key: 'Stripe key',
  stripe_webhook_secret: 'Stripe signing secret',
  webhook_secret: 'webhook secret',
  stt_api_key: 'speech-to-text key',
};

export function integrationsHandlers(deps: {
  endpoints: CheckEndpoints;
  vault: Pick<Vault, 'get'>;
  prefs: Pick<PrefsStore, 'get'>;
  appState: AppStateView;
  config: AgentConfig;
}): HandlersFor<'secret' | 'claude'> {
  const { endpoints, vault, prefs, config, appState } = deps;

  function claudeKey(): string {
    const key = vault.get('anthropic_api_key')?.reveal();
    if (!key) throw new UserError('Enter your Claude API key first.');
    return key;
  }

  /** Tries the value against its service; what else changes with it (the bot's name for a new token). */
  async function tryOut(name: SecretName, value: string): Promise<Partial<ConfigChange>> {
    if (name === 'anthropic_api_key') {
      await checkClaude(value, endpoints, prefs.get().claude?.model ?? endpoints.model);
      return {};
    }
    if (name === 'telegram_bot_token') return { prefs: { telegram: await checkTelegram(value, endpoints) } };
    if (name === 'whatsapp_access_token') {
      const whatsapp = prefs.get().whatsapp;
      if (whatsapp?.mode !== 'cloud' || !whatsapp.phoneNumberId) {
        throw new UserError('Set up the WhatsApp Business number first (its phone number ID comes with it).');
      }
      await checkWhatsAppCloud(value, whatsapp.phoneNumberId, endpoints);
    }
    // The rest (app and signing secrets) can only be checked by the service when it calls: the format is checked.
    return {};
  }

  async function applyAndPublish(change: ConfigChange) {
    try {
      return await config.apply(change);
    } finally {
      appState.publish();
    }
  }

  return {
    'secret.set': async ({ name, value }) => {
      const extra = await tryOut(name, value);
      return applyAndPublish({ what: WHAT[name], secrets: { [name]: value }, ...extra });
    },
    'claude.models': async () => listClaudeModels(claudeKey(), endpoints),
    'claude.setModel': async ({ model }) => {
      await checkClaude(claudeKey(), endpoints, model);
      return applyAndPublish({ what: 'Claude model', prefs: { claude: { model } } });
    },
  };
}
