// Runs one IPC request: checks the method exists, validates the input with its zod schema, calls the handler, and
// turns every outcome into an Envelope so the renderer gets a readable message instead of a stack.
import type { z } from 'zod';
import { type Envelope, type Method, type MethodOutput, methods } from './contract.ts';

export type Handlers = {
  [C in Method]: (input: z.output<(typeof methods)[C]['input']>) => Promise<MethodOutput<C>>;
};

/** The handlers of some domains (`HandlersFor<'server' | 'agent'>`): each group of handlers is built apart. */
export type HandlersFor<D extends string> = Pick<Handlers, Extract<Method, `${D}.${string}`>>;

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

export function isMethod(name: unknown): name is Method {
  return typeof name === 'string' && Object.hasOwn(methods, name);
}

export async function dispatch(
  handlers: Handlers,
  method: unknown,
  input: unknown,
  onUnexpected: (method: string, error: unknown) => void = () => {},
): Promise<Envelope<unknown>> {
  if (!isMethod(method)) {
    return { ok: false, error: { name: 'UnknownMethod', message: `Unknown request "${String(method)}".` } };
  }
  const parsed = methods[method].input.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? ` (${issue.path.join('.')})` : '';
    return {
      ok: false,
      error: { name: 'ValidationError', message: `${issue?.message ?? 'Invalid input.'}${where}` },
    };
  }
  try {
    const handler = handlers[method] as (input: unknown) => Promise<unknown>;
    return { ok: true, value: await handler(parsed.data) };
  } catch (error) {
    if (error instanceof UserError) return { ok: false, error: { name: error.kind, message: error.message } };
    onUnexpected(method, error);
    return {
      ok: false,
      error: {
        name: 'InternalError',
        message: 'Something went wrong inside MONO. The details are in the log.',
      },
    };
  }
}
