// The preload (bundled to CommonJS for the sandbox): exposes `window.mono`, one function per contract method,
// and `on` for events. The method names come from main (window argument), derived from the contract, so the
// preload carries no schema code. Nothing else from Electron or Node reaches the page.
import { contextBridge, ipcRenderer } from 'electron';
import { buildApi, ipcEventName } from '../ipc/api.ts';
import type { Envelope, Method } from '../ipc/contract.ts';

const METHODS_ARG = '--mono-methods=';
const names = (process.argv.find((arg) => arg.startsWith(METHODS_ARG)) ?? METHODS_ARG)
  .slice(METHODS_ARG.length)
  .split(',')
  .filter((name) => /^[a-z]+\.[a-zA-Z]+$/.test(name)) as Method[];

contextBridge.exposeInMainWorld(
  'mono',
  buildApi(
    names,
    (method, input) => ipcRenderer.invoke(method, input) as Promise<Envelope<unknown>>,
    (event, handler) => {
      const listener = (_: unknown, payload: unknown) => handler(payload);
      ipcRenderer.on(ipcEventName(event), listener);
      return () => {
        ipcRenderer.removeListener(ipcEventName(event), listener);
      };
    },
  ),
);
