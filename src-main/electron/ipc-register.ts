// Registers every contract method with ipcMain: each handler first checks that the sender is the app's own
// window and frame, then validates and dispatches. Returns the function that removes them all.
import type { IpcMainInvokeEvent } from 'electron';
import { type Envelope, METHOD_NAMES } from '../ipc/contract.ts';
import { dispatch, type Handlers } from '../ipc/dispatch.ts';

/** The part of Electron's ipcMain used here (tests pass a recording fake). */
export interface IpcMainLike {
  handle(method: string, listener: (event: IpcMainInvokeEvent, ...args: unknown[]) => Promise<unknown>): void;
  removeHandler(method: string): void;
}

export function registerIpc(
  ipcMain: IpcMainLike,
  handlers: Handlers,
  isTrustedSender: (event: IpcMainInvokeEvent) => boolean,
  onUnexpected?: (method: string, error: unknown) => void,
): () => void {
  for (const method of METHOD_NAMES) {
    ipcMain.handle(method, async (event, input): Promise<Envelope<unknown>> => {
      if (!isTrustedSender(event)) {
        return { ok: false, error: { name: 'Forbidden', message: 'This window may not talk to MONO.' } };
      }
      return dispatch(handlers, method, input, onUnexpected);
    });
  }
  return () => {
    for (const method of METHOD_NAMES) ipcMain.removeHandler(method);
  };
}
