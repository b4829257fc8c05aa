// Setting MONO up: the wizard's checks and choices, SSH keys and connection tests, and the install. Secrets are
// stored in the vault; the running agent gets them through its environment.
import { join } from 'node:path';
import { type HandlersFor, UserError } from '../../ipc/dispatch.ts';
import type { AgentConfig } from '../agent-config.ts';
import type { AppStateView } from '../app-state.ts';
import { type CheckEndpoints, checkClaude, checkTelegram, checkWhatsAppCloud } from '../checks.ts';
import type { InstallTracker } from '../install.ts';
import type { Installer } from '../installer.ts';
import type { Prefs, PrefsStore } from '../prefs.ts';
import { generateSshKey, type ProvisionAdapter } from '../provision-adapter.ts';
import type { Vault } from '../vault.ts';

export function setupHandlers(deps: {
  /** The desktop's own folder (SSH keys are made under ssh/). */
  dataDir: string;
  endpoints: CheckEndpoints;
  vault: Vault;
  prefs: PrefsStore;
  appState: AppStateView;
  provision: Pick<ProvisionAdapter, 'testConnection' | 'hostKey' | 'trustHostKey'>;
  install: Pick<InstallTracker, 'state'>;
  installer: Pick<Installer, 'runLocalInstall' | 'runVpsDeploy'>;
  config: AgentConfig;
  /** Removes the linked device's last state (whatsapp_link:current). */
  forgetWhatsAppLink(): Promise<void>;
}): HandlersFor<'wizard' | 'ssh' | 'install'> {
  const { vault, prefs, appState, provision, install, installer, config } = deps;
  return {
    'wizard.checkClaude': async ({ apiKey }) => {
      const result = await checkClaude(apiKey, deps.endpoints);
      vault.set('anthropic_api_key', apiKey);
      prefs.update({ claude: result });
      appState.publish();
      return result;
    },
    'wizard.checkTelegram': async ({ token }) => {
      const bot = await checkTelegram(token, deps.endpoints);
      vault.set('telegram_bot_token', token);
      prefs.update({ telegram: bot });
      appState.publish();
      return bot;
    },
    'wizard.saveWhatsApp': async (input) => {
      // At the wizard's WhatsApp step it only moves on; anywhere else (Integrations, the wizard's last step) the
      // running agent picks the change up.
      const fromWizard =
        prefs.get().wizardStep === 'whatsapp' && (!prefs.get().wizardDone || prefs.get().wizardOpen);
      const secrets: Record<string, string> = {};
      let whatsapp: Prefs['whatsapp'];
      if (input.mode === 'cloud') {
        await checkWhatsAppCloud(input.accessToken, input.phoneNumberId, deps.endpoints);
        secrets.whatsapp_access_token = input.accessToken;
        secrets.whatsapp_app_secret = input.appSecret;
        // Chosen in the desktop so the owner can type it into Meta's webhook form; never sent back.
        secrets.whatsapp_verify_token = input.verifyToken;
        whatsapp = { mode: 'cloud', phoneNumberId: input.phoneNumberId };
      } else if (input.mode === 'linked') {
        const phone = input.pairingPhone?.replace(/[\s()-]/g, '') || undefined;
        whatsapp = { mode: 'linked', ...(phone && { pairingPhone: phone }) };
      } else {
        whatsapp = { mode: 'skip' };
      }
      if (fromWizard) {
        for (const [name, value] of Object.entries(secrets)) vault.set(name, value);
        prefs.update({ whatsapp, wizardStep: 'where' });
      } else {
        await config.apply({ what: 'WhatsApp settings', secrets, prefs: { whatsapp } });
        // Linking stopped: the last link state must not linger on any screen.
        if (whatsapp.mode !== 'linked') await deps.forgetWhatsAppLink().catch(() => {});
      }
      appState.publish();
      return { saved: true };
    },
    'wizard.goto': async ({ step }) => {
      prefs.update({ wizardStep: step });
      return appState.publish();
    },
    'wizard.chooseLocal': async () => {
      prefs.update({ mode: 'local', wizardStep: 'install' });
      return appState.publish();
    },
    'wizard.chooseVps': async (target) => {
      const test = await provision.testConnection(target);
      const failed = test.checks.find((c) => !c.ok);
      if (!test.ok)
        throw new UserError(failed?.detail ?? 'Could not reach the server. Test the connection first.');
      prefs.update({ mode: 'vps', vps: target, wizardStep: 'install' });
      return appState.publish();
    },
    'wizard.finish': async () => {
      prefs.update({ wizardDone: true, wizardOpen: false, wizardStep: 'done' });
      return appState.publish();
    },
    'wizard.reopen': async () => {
      if (!prefs.get().wizardDone) return appState.current();
      prefs.update({ wizardOpen: true, wizardStep: 'claude' });
      return appState.publish();
    },
    'wizard.close': async () => {
      if (install.state().running) throw new UserError('Wait until the install has finished.');
      prefs.update({ wizardOpen: false, wizardStep: 'done' });
      return appState.publish();
    },
    'ssh.generateKey': async () => generateSshKey(join(deps.dataDir, 'ssh')),
    'ssh.test': async (target) => provision.testConnection(target),
    // First contact: the wizard shows the fingerprint; only the one the owner confirmed is pinned.
    'ssh.hostKey': async (target) => provision.hostKey(target),
    'ssh.trustHostKey': async ({ target, fingerprint }) => provision.trustHostKey(target, fingerprint),
    'install.start': async () => {
      if (install.state().running) return install.state();
      const { mode, vps } = prefs.get();
      if (mode === 'local') void installer.runLocalInstall();
      else if (mode === 'vps' && vps) void installer.runVpsDeploy(vps);
      else throw new UserError('Choose where MONO runs first.');
      return install.state();
    },
    'install.state': async () => install.state(),
  };
}
