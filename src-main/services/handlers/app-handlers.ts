// The app itself: its state for the renderer, and starting at login where the shell can.
import { type HandlersFor, UserError } from '../../ipc/dispatch.ts';
import type { AppStateView } from '../app-state.ts';
import type { PrefsStore } from '../prefs.ts';

export function appHandlers(deps: {
  appState: AppStateView;
  prefs: Pick<PrefsStore, 'update'>;
  setLaunchAtLogin?: (enabled: boolean) => void;
}): HandlersFor<'app'> {
  return {
    'app.state': async () => deps.appState.current(),
    'app.setLaunchAtLogin': async ({ enabled }) => {
      if (!deps.setLaunchAtLogin)
        throw new UserError('Starting at login is set by the desktop app, not in the browser.');
      deps.setLaunchAtLogin(enabled);
      deps.prefs.update({ launchAtLogin: enabled });
      return deps.appState.publish();
    },
  };
}
