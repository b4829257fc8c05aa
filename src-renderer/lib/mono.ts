// The one handle on the main-process services: Electron's preload puts `window.mono` there; in a browser the
// bridge client provides the same interface.
import { errorMessage } from '../../agent-core/util/error-message.ts';
import type { MonoApi } from '../../src-main/ipc/contract.ts';
import { createBridgeClient } from './bridge-client.ts';

declare global {
  interface Window {
    mono?: MonoApi;
  }
}

export const mono: MonoApi = window.mono ?? createBridgeClient();

/** Listen to the bridge's own link (browser only); Electron's IPC cannot drop, so there it never fires. */
export function onBridgeConnection(handler: (connected: boolean) => void): () => void {
  return (mono.on as unknown as (e: string, h: (v: boolean) => void) => () => void)(
    'bridge.connection',
    handler,
  );
}

/** The screens show errors through this (the same rule as everywhere in MONO). */
export { errorMessage };
