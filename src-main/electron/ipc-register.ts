// Registers every contract channel with ipcMain: each handler first checks that the sender is the app's own
// window and frame, then validates and dispatches. Returns the function that removes them all.
import type { IpcMainInvokeEvent } from 'electron';
import { CHANNEL_NAMES, type Envelope } from '../ipc/contract.ts';
import { dispatch, type Handlers } from '../ipc/dispatch.ts';

/** The part of Electron's ipcMain used here (tests pass a recording fake). */
export interface IpcMainLike {
  handle(
    channel: string,
    listener: (event: IpcMainInvokeEvent, ...args: unknown[]) => Promise<unknown>,
  ): void;
  removeHandler(channel: string): void;
}

export function registerIpc(
  ipcMain: IpcMainLike,
  handlers: Handlers,
  isTrustedSender: (event: IpcMainInvokeEvent) => boolean,
  onUnexpected?: (channel: string, error: unknown) => void,
): () => void {
  for (const channel of CHANNEL_NAMES) {
    ipcMain.handle(channel, async (event, input): Promise<Envelope<unknown>> => {
      if (!isTrustedSender(event)) {
        return { ok: false, error: { name: 'Forbidden', message: 'This window may not talk to MONO.' } };
      }
      return dispatch(handlers, channel, input, onUnexpected);
    });
  }
  return () => {
    for (const channel of CHANNEL_NAMES) ipcMain.removeHandler(channel);
  };
}

/** Events travel on their own prefixed channel so they never collide with a request channel of the same name. */
export const eventChannel = (event: string) => `event:${event}`;
