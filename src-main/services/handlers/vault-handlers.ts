// The owner's keys at rest: setting the passphrase (or moving weaker-protected keys under one), unlocking after a
// start, changing it, and starting over when it is forgotten. Unlocking is what lets the local agent start.
import type { HandlersFor } from '../../ipc/dispatch.ts';
import type { AppStateView } from '../app-state.ts';
import type { PrefsStore } from '../prefs.ts';
import type { Vault } from '../vault.ts';

export function vaultHandlers(deps: {
  vault: Vault;
  prefs: Pick<PrefsStore, 'update'>;
  appState: AppStateView;
  /** The vault became readable: start what waited for it (the local agent, sync). */
  onReady(): void;
  /** The secrets are gone: stop what used them (the local agent keeps none of its own). */
  onForgotten(): Promise<void>;
}): HandlersFor<'vault'> {
  const { vault, prefs, appState } = deps;
  return {
    'vault.create': async ({ passphrase }) => {
      await vault.create(passphrase);
      deps.onReady();
      return appState.publish();
    },
    'vault.unlock': async ({ passphrase }) => {
      await vault.unlock(passphrase);
      deps.onReady();
      return appState.publish();
    },
    'vault.changePassphrase': async ({ current, next }) => {
      await vault.changePassphrase(current, next);
      return appState.publish();
    },
    // Conversations, contacts and settings live in the agent's datastore and stay; only the keys are entered
    // again, through the wizard, which then restarts (or redeploys) the agent with them.
    'vault.reset': async () => {
      await deps.onForgotten();
      vault.reset();
      prefs.update({ wizardDone: false, wizardStep: 'claude' });
      return appState.publish();
    },
  };
}
