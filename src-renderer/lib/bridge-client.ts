// `window.mono` for the browser: the same named functions as the Electron preload, carried over the local
// bridge's WebSocket. The per-launch secret comes from the URL fragment and is kept for this tab only.
import { buildApi } from '../../src-main/ipc/api.ts';
import type { Envelope, EventName, Method, MonoApi } from '../../src-main/ipc/contract.ts';

type Listener = (payload: unknown) => void;

function readSecret(): string {
  const match = /(?:^#|&)secret=([^&]+)/.exec(window.location.hash);
  if (match?.[1]) {
    sessionStorage.setItem('mono.secret', decodeURIComponent(match[1]));
    history.replaceState(null, '', window.location.pathname + window.location.search);
  }
  return sessionStorage.getItem('mono.secret') ?? '';
}

export function createBridgeClient(): MonoApi {
  const secret = readSecret();
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
    const ws = new WebSocket(`ws://${window.location.host}/ipc?secret=${encodeURIComponent(secret)}`);
    socket = ws;
    ws.onopen = () => {
      open = true;
      everOpened = true;
      for (const text of queue) ws.send(text);
      queue = [];
      emit('bridge.connection', true);
    };
    ws.onmessage = (message) => {
      const data = JSON.parse(String(message.data)) as {
        id?: number;
        envelope?: Envelope<unknown>;
        event?: string;
        payload?: unknown;
      };
      if (data.id !== undefined && data.envelope) {
        pending.get(data.id)?.(data.envelope);
        pending.delete(data.id);
      } else if (data.event) {
        emit(data.event, data.payload);
      }
    };
    ws.onclose = () => {
      const wasOpen = open;
      open = false;
      // Never admitted: a page opened without this launch's key (or MONO is not running at all).
      const message = everOpened
        ? 'MONO stopped running. Start it again with npm start.'
        : 'MONO could not be reached. Open the address that `npm start` printed — it carries a key for this launch.';
      for (const resolve of pending.values())
        resolve({ ok: false, error: { name: 'Disconnected', message } });
      pending.clear();
      queue = [];
      if (wasOpen || !socket) emit('bridge.connection', false);
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
