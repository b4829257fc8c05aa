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

/** What the user sees for a field: the form's own label, never the contract's field name. */
const FIELD_LABELS: Record<string, string> = {
  apiKey: 'Claude API key',
  token: 'Bot token',
  phoneNumberId: 'Phone number ID',
  accessToken: 'Access token',
  appSecret: 'App secret',
  pairingPhone: 'Your number',
  host: 'Server address',
  user: 'User name',
  port: 'Port',
  keyPath: 'Key file',
  name: 'Name',
  prompt: 'What should your agent do?',
  cron: 'Schedule',
  runAt: 'Date and time',
  timezone: 'Time zone',
  conversation: 'Conversation',
  value: 'Value',
  model: 'Model',
  limit: 'Limit',
  days: 'Days',
  search: 'Search',
  hosts: 'Servers',
  keep: 'Backups to keep',
};

/**
 * One readable sentence for the first problem. Schema messages are written for people and stand alone; a
 * generic one (a wrong type) gets the field's label. Internal field names never reach the user.
 */
export function validationMessage(issues: readonly { path: PropertyKey[]; message: string }[]): string {
  const issue = issues[0];
  if (!issue) return 'Something in this form is not valid.';
  // zod's own messages ("Invalid input: expected string…", "Too small: …") are for developers.
  if (!/^(Invalid|Expected|Too (small|big)|Unrecognized)/i.test(issue.message)) return issue.message;
  const field = issue.path.findLast((part): part is string => typeof part === 'string');
  const label = field ? FIELD_LABELS[field] : undefined;
  return label ? `Check “${label}”: it is missing or not valid.` : 'Something in this form is not valid.';
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
    return { ok: false, error: { name: 'ValidationError', message: validationMessage(parsed.error.issues) } };
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
