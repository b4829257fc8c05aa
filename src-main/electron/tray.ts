// The tray: an icon per agent state and a menu (open, pause/resume, update, quit), built as plain data so the
// state → icon/menu mapping is tested without Electron.
import type { MenuItemConstructorOptions } from 'electron';
import type { TrayState } from '../services/attention.ts';

export interface TrayActions {
  open(): void;
  pause(): void;
  resume(): void;
  update(): void;
  quit(): void;
}

/**
 * A menu click runs an async action; whatever it throws is reported (the window opens to show it) and never
 * becomes an unhandled rejection, which would take the desktop down.
 */
export function trayAction(run: () => Promise<unknown>, onError: (error: unknown) => void): () => void {
  return () => {
    try {
      run().catch(onError);
    } catch (error) {
      onError(error);
    }
  };
}

export function trayIconName(state: TrayState): string {
  const file: Record<TrayState, string> = {
    setup: 'tray-offline',
    online: 'tray-online',
    offline: 'tray-offline',
    unresponsive: 'tray-attention',
    updating: 'tray-updating',
    paused: 'tray-paused',
    attention: 'tray-attention',
  };
  return `${file[state]}.png`;
}

export function trayMenuTemplate(
  state: TrayState,
  tooltip: string,
  opts: { canUpdate: boolean },
  actions: TrayActions,
): MenuItemConstructorOptions[] {
  return [
    { label: tooltip.replace(/^MONO — /, ''), enabled: false },
    { type: 'separator' },
    { label: 'Open MONO', click: actions.open },
    state === 'paused'
      ? { label: 'Resume the agent', click: actions.resume }
      : {
          label: 'Pause the agent',
          click: actions.pause,
          // Pausing is a write the agent must answer: not while it is away or frozen.
          enabled:
            state !== 'setup' && state !== 'updating' && state !== 'offline' && state !== 'unresponsive',
        },
    { label: 'Update the agent', click: actions.update, enabled: opts.canUpdate && state !== 'updating' },
    { type: 'separator' },
    { label: 'Quit MONO', click: actions.quit },
  ];
}
