// The transport-independent half of the IPC contract: builds `window.mono` from a list of method names and an
// invoke function. No zod here, so the sandboxed preload and the renderer stay small; both get the names derived
// from the contract (the preload from main at launch, the browser's bridge client at build time).
import type { Envelope, EventName, Method, MonoApi } from './contract.ts';

/** Builds the named-function API from a transport: Electron's IPC in the preload, the bridge's WebSocket in a browser. */
export function buildApi(
  names: readonly Method[],
  invoke: (method: Method, input: unknown) => Promise<Envelope<unknown>>,
  on: (event: EventName, handler: (payload: unknown) => void) => () => void,
): MonoApi {
  const api: Record<string, Record<string, unknown>> = {};
  for (const method of names) {
    const [domain, verb] = method.split('.') as [string, string];
    api[domain] ??= {};
    api[domain][verb] = async (input?: unknown) => unwrap(await invoke(method, input));
  }
  return Object.assign(api, {
    on: (event: EventName, handler: (payload: unknown) => void) => on(event, handler),
  }) as unknown as MonoApi;
}

/** The name an event travels under on Electron's IPC: prefixed, so it never collides with a method of the same name. */
export const ipcEventName = (event: EventName) => `event:${event}`;

export class IpcError extends Error {
  override name = 'IpcError';
  constructor(
    message: string,
    readonly kind: string,
  ) {
    super(message);
  }
}

export function unwrap<T>(envelope: Envelope<T>): T {
  if (envelope.ok) return envelope.value;
  throw new IpcError(envelope.error.message, envelope.error.name);
}
