// The transport-independent half of the IPC contract: builds `window.mono` from a list of channel names and an
// invoke function. No zod here, so the sandboxed preload stays small (it gets the names from main at launch).
import type { Channel, Envelope, EventName, MonoApi } from './contract.ts';

/** Builds the named-function API from a transport; used by the Electron preload (the bridge client mirrors it). */
export function buildApi(
  names: readonly Channel[],
  invoke: (channel: Channel, input: unknown) => Promise<Envelope<unknown>>,
  on: (event: EventName, handler: (payload: unknown) => void) => () => void,
): MonoApi {
  const api: Record<string, Record<string, unknown>> = {};
  for (const channel of names) {
    const [domain, verb] = channel.split('.') as [string, string];
    api[domain] ??= {};
    api[domain][verb] = async (input?: unknown) => unwrap(await invoke(channel, input));
  }
  return Object.assign(api, {
    on: (event: EventName, handler: (payload: unknown) => void) => on(event, handler),
  }) as unknown as MonoApi;
}

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
