// `window.mono` for the browser: the same named functions as the Electron preload, carried over the local
// bridge's WebSocket. The per-launch secret comes from the URL fragment and is kept for this tab only.
import type { Envelope, EventName, MonoApi } from '../../src-main/ipc/contract.ts';

type Listener = (payload: unknown) => void;

function readSecret(): string {
  const match = /(?:^#|&)secret=([^&]+)/.exec(window.location.hash);
  if (match?.[1]) {
    sessionStorage.setItem('mono.secret', decodeURIComponent(match[1]));
    history.replaceState(null, '', window.location.pathname + window.location.search);
  }
  return sessionStorage.getItem('mono.secret') ?? '';
}

export class BridgeError extends Error {
  constructor(
    message: string,
    readonly kind: string,
  ) {
    super(message);
    this.name = kind;
  }
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

  function invoke(channel: string, input: unknown): Promise<unknown> {
    const id = nextId++;
    const text = JSON.stringify({ id, channel, input });
    return new Promise((resolve, reject) => {
      pending.set(id, (envelope) => {
        if (envelope.ok) resolve(envelope.value);
        else reject(new BridgeError(envelope.error.message, envelope.error.name));
      });
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

  // mono.<domain>.<verb>(input) → invoke('<domain>.<verb>', input); the main side validates every channel.
  return new Proxy({} as MonoApi, {
    get(_, domain: string) {
      if (domain === 'on') return on;
      return new Proxy(
        {},
        { get: (__, verb: string) => (input?: unknown) => invoke(`${domain}.${verb}`, input) },
      );
    },
  });
}
