// The VPS form's rules are the CLI's: host, user and port are checked by the same functions `mono deploy` uses
// (provision/host-spec.ts), one message per field. Used by the IPC contract, so main refuses what the CLI would,
// and the form shows the message beside the field.
import { z } from 'zod';
import { hostProblem, portProblem, usernameProblem } from '../provision/host-spec.ts';
import { CONTROL_CHARS_MESSAGE, hasControlChars } from './input-rules.ts';

export interface VpsTargetProblems {
  host?: string;
  user?: string;
  port?: string;
}

export function vpsTargetProblems(target: { host: string; user: string; port: number }): VpsTargetProblems {
  const host = target.host.trim() ? hostProblem(target.host.trim()) : undefined;
  const user = target.user.trim() ? usernameProblem(target.user.trim()) : undefined;
  const port = portProblem(target.port);
  return {
    ...(host && { host: sentence(host) }),
    ...(user && { user: sentence(user) }),
    ...(port && { port: sentence(port) }),
  };
}

function sentence(text: string): string {
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
}

/** The VPS form as the contract takes it: the CLI's rules per field, a key file path without control characters. */
export const VpsTarget = z
  .object({
    host: z.string().trim().min(1, 'Enter the server address.').max(253),
    user: z.string().trim().min(1, 'Enter the user name.').max(64),
    port: z.number().int().min(1, 'The SSH port is a number from 1 to 65535.').max(65535).default(22),
    keyPath: z
      .string()
      .trim()
      .min(1, 'Choose a key file.')
      .max(4096)
      .refine((v) => !hasControlChars(v), CONTROL_CHARS_MESSAGE),
  })
  .superRefine((target, ctx) => {
    const problems = vpsTargetProblems(target);
    for (const field of ['host', 'user', 'port'] as const) {
      const message = problems[field];
      if (message) ctx.addIssue({ code: 'custom', message, path: [field] });
    }
  });
export type VpsTarget = z.infer<typeof VpsTarget>;
