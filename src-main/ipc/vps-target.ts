// The VPS form's rules are the CLI's: host, user and port are checked by the same functions `mono deploy` uses
// (provision/host-spec.ts), one message per field. Used by the IPC contract, so main refuses what the CLI would,
// and the form shows the message beside the field.
import { hostProblem, portProblem, usernameProblem } from '../provision/host-spec.ts';

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
