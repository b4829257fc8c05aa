// The app's own state as the renderer sees it (mode, wizard progress, which secrets are set — never their
// values — and how they are protected), read from prefs and the vault and pushed whenever it changes.
import type { AppState } from '../ipc/contract.ts';
import type { PrefsStore } from './prefs.ts';
import type { Vault } from './vault.ts';

export interface AppStateView {
  current(): AppState;
  /** Sends the current state to the renderer and returns it. */
  publish(): AppState;
}

export function createAppStateView(deps: {
  version: string;
  shell: AppState['shell'];
  vault: Pick<Vault, 'has' | 'status'>;
  prefs: Pick<PrefsStore, 'get' | 'appState'>;
  /** Present where the shell can register MONO as a login item (Electron). */
  canLaunchAtLogin: boolean;
  emit(state: AppState): void;
}): AppStateView {
  function current(): AppState {
    const secrets = (
      [
        'anthropic_api_key',
        'telegram_bot_token',
        'whatsapp_access_token',
        'whatsapp_verify_token',
        'stripe_webhook_secret',
        'webhook_secret',
        'stt_api_key',
      ] as const
    ).map((name) => ({ name, set: deps.vault.has(name) }));
    const launchAtLogin = deps.canLaunchAtLogin ? (deps.prefs.get().launchAtLogin ?? false) : null;
    const vault = deps.vault.status();
    return deps.prefs.appState({ version: deps.version, shell: deps.shell, secrets, vault, launchAtLogin });
  }
  return {
    current,
    publish() {
      const state = current();
      deps.emit(state);
      return state;
    },
  };
}
