// The VPS form's rules are the CLI's: a host and a user are checked by the same parser `mono deploy` uses
// (provision/host-spec.ts), field by field, with messages that fit a form. Used by the IPC contract (main refuses
// what the form would) and by the form itself (it says so while the owner types).
import { parseHostSpec } from '../provision/host-spec.ts';

export interface VpsTargetProblems {
  host?: string;
  user?: string;
}

export function vpsTargetProblems(target: { host: string; user: string }): VpsTargetProblems {
  const problems: VpsTargetProblems = {};
  const host = target.host.trim();
  const user = target.user.trim();
  if (host) {
    const written = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
    if (!accepts(`root@${written}`, host)) {
      problems.host =
        'Write only the address: an IP like 203.0.113.7 or a name like vps.example.com (no user, no spaces).';
    }
  }
  if (user && !accepts(`${user}@example.com`)) {
    problems.user = 'A user name has letters, digits, "_", "." or "-", and starts with a letter or "_".';
  }
  return problems;
}

function accepts(spec: string, expectedHost?: string): boolean {
  try {
    const parsed = parseHostSpec(spec);
    return expectedHost === undefined || parsed.host === expectedHost.replace(/^\[|\]$/g, '');
  } catch {
    return false;
  }
}
