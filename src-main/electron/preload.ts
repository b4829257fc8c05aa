// The preload (bundled to CommonJS for the sandbox): exposes `window.mono`, one function per contract channel,
// generated from the contract, and `on` for events. Nothing else from Electron or Node reaches the page.
import { contextBridge, ipcRenderer } from 'electron';
import { buildApi, type Envelope } from '../ipc/contract.ts';

const eventChannel = (event: string) => `event:${event}`;

contextBridge.exposeInMainWorld(
  'mono',
  buildApi(
    (channel, input) => ipcRenderer.invoke(channel, input) as Promise<Envelope<unknown>>,
    (event, handler) => {
      const listener = (_: unknown, payload: unknown) => handler(payload);
      ipcRenderer.on(eventChannel(event), listener);
      return () => {
        ipcRenderer.removeListener(eventChannel(event), listener);
      };
    },
  ),
);
