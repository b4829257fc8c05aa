// Runs one IPC request: checks the channel exists, validates the input with its zod schema, calls the handler, and
// turns every outcome into an Envelope so the renderer gets a readable message instead of a stack.
import type { z } from 'zod';
import { type Channel, type ChannelOutput, channels, type Envelope } from './contract.ts';

export type Handlers = {
  [C in Channel]: (input: z.output<(typeof channels)[C]['input']>) => Promise<ChannelOutput<C>>;
};

/** A failure the user can act on: its message is shown as is (it must never contain a secret). */
export class UserError extends Error {
  override name = 'UserError';
  constructor(
    message: string,
    readonly kind = 'UserError',
  ) {
    super(message);
  }
}

export function isChannel(name: unknown): name is Channel {
  return typeof name === 'string' && Object.hasOwn(channels, name);
}

export async function dispatch(
  handlers: Handlers,
  channel: unknown,
  input: unknown,
  onUnexpected: (channel: string, error: unknown) => void = () => {},
): Promise<Envelope<unknown>> {
  if (!isChannel(channel)) {
    return { ok: false, error: { name: 'UnknownChannel', message: `Unknown request "${String(channel)}".` } };
  }
  const parsed = channels[channel].input.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? ` (${issue.path.join('.')})` : '';
    return {
      ok: false,
      error: { name: 'ValidationError', message: `${issue?.message ?? 'Invalid input.'}${where}` },
    };
  }
  try {
    const handler = handlers[channel] as (input: unknown) => Promise<unknown>;
    return { ok: true, value: await handler(parsed.data) };
  } catch (error) {
    if (error instanceof UserError) return { ok: false, error: { name: error.kind, message: error.message } };
    onUnexpected(channel, error);
    return {
      ok: false,
      error: {
        name: 'InternalError',
        message: 'Something went wrong inside MONO. The details are in the log.',
      },
    };
  }
}
