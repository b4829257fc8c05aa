// The preload (bundled to CommonJS for the sandbox): exposes `window.mono`, one function per contract channel,
// and `on` for events. The channel names come from main (window argument), derived from the contract, so the
// preload carries no schema code. Nothing else from Electron or Node reaches the page.
import { contextBridge, ipcRenderer } from 'electron';
import { buildApi } from '../ipc/api.ts';
import type { Channel, Envelope } from '../ipc/contract.ts';

const CHANNELS_ARG = '--mono-channels=';
const names = (process.argv.find((arg) => arg.startsWith(CHANNELS_ARG)) ?? CHANNELS_ARG)
  .slice(CHANNELS_ARG.length)
  .split(',')
  .filter((name) => /^[a-z]+\.[a-zA-Z]+$/.test(name)) as Channel[];

const eventChannel = (event: string) => `event:${event}`;

contextBridge.exposeInMainWorld(
  'mono',
  buildApi(
    names,
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
