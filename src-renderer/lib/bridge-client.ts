// `window.mono` for the browser: the same named functions as the Electron preload, carried over the local
// bridge's WebSocket. The installation's bridge key comes from the URL fragment once and is kept in this
// origin's localStorage (the origin is MONO's own loopback address and port), so reloads, open tabs and bookmarks
// reconnect after MONO restarts. The key never travels: the page answers each socket's challenge with an HMAC.

import { AUTH_CONTEXT, CLOSE_UNAUTHORIZED } from '../../src-main/bridge/protocol.ts';
import { buildApi } from '../../src-main/ipc/api.ts';
import type { Envelope, EventName, Method, MonoApi } from '../../src-main/ipc/contract.ts';

type Listener = (payload: unknown) => void;
const STORAGE_KEY = 'mono.bridgeKey';

function readKey(): string {
  const match = /(?:^#|&)key=([^&]+)/.exec(window.location.hash);
  if (match?.[1]) {
    localStorage.setItem(STORAGE_KEY, decodeURIComponent(match[1]));
    history.replaceState(null, '', window.location.pathname + window.location.search);
  }
  return localStorage.getItem(STORAGE_KEY) ?? '';
}

async function answer(key: string, challenge: string): Promise<string> {
  const encoder = new TextEncoder();
  const hmac = await crypto.subtle.importKey(
    'raw',
    encoder.encode(key),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const mac = new Uint8Array(
    await crypto.subtle.sign('HMAC', hmac, encoder.encode(AUTH_CONTEXT + challenge)),
  );
  let binary = '';
  for (const byte of mac) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function createBridgeClient(): MonoApi {
  const key = readKey();
  const pending = new Map<number, (envelope: Envelope<unknown>) => void>();
  const listeners = new Map<string, Set<Listener>>();
  let queue: string[] = [];
  let nextId = 1;
  let socket: WebSocket | undefined;
  let open = false;
  let everOpened = false;

  function emit(event: string, payload: unknown): void {
    for (const listener of listeners.get(event) ?? []) listener(payload);
  }

  function connect(): void {
    const ws = new WebSocket(`ws://${window.location.host}/ipc`);
    socket = ws;
    let admitted = false;
    ws.onmessage = (message) => {
      let data: {
        challenge?: string;
        ready?: boolean;
        id?: number;
        envelope?: Envelope<unknown>;
        event?: string;
        payload?: unknown;
      };
      try {
        data = JSON.parse(String(message.data));
      } catch {
        return;
      }
      if (!admitted) {
        if (typeof data.challenge === 'string') {
          void answer(key, data.challenge).then(
            (auth) => ws.readyState === WebSocket.OPEN && ws.send(JSON.stringify({ auth })),
            () => ws.close(),
          );
        } else if (data.ready) {
          admitted = true;
          open = true;
          everOpened = true;
          for (const text of queue) ws.send(text);
          queue = [];
          emit('bridge.connection', true);
        }
        return;
      }
      if (data.id !== undefined && data.envelope) {
        pending.get(data.id)?.(data.envelope);
        pending.delete(data.id);
      } else if (data.event) {
        emit(data.event, data.payload);
      }
    };
    ws.onclose = (event) => {
      const wasOpen = open;
      open = false;
      // Never admitted: a page opened without this installation's key (or MONO is not running at all).
      const message =
        everOpened && event.code !== CLOSE_UNAUTHORIZED
          ? 'MONO stopped running. Start it again with npm start.'
          : 'MONO could not be reached. Open the address that `npm start` printed — it carries the key for this installation.';
      for (const resolve of pending.values())
        resolve({ ok: false, error: { name: 'Disconnected', message } });
      pending.clear();
      queue = [];
      if (wasOpen) emit('bridge.connection', false);
      setTimeout(connect, 1000);
    };
  }
  connect();

  function invoke(method: Method, input: unknown): Promise<Envelope<unknown>> {
    const id = nextId++;
    const text = JSON.stringify({ id, method, input });
    return new Promise((resolve) => {
      pending.set(id, resolve);
      if (open && socket) socket.send(text);
      else queue.push(text);
    });
  }

  function on(event: EventName | 'bridge.connection', handler: Listener): () => void {
    let set = listeners.get(event);
    if (!set) {
      set = new Set();
      listeners.set(event, set);
    }
    set.add(handler);
    return () => set.delete(handler);
  }

  // The method names are derived from the contract when the renderer is built (vite.config.ts).
  return buildApi(__MONO_METHODS__ as readonly Method[], invoke, on);
}
