// `[user@]host[:port]` and hosts files: what a user types, turned into a connection target.
import { isIP } from 'node:net';
import { errorMessage } from '../../agent-core/util/error-message.ts';

export interface HostSpec {
  host: string;
  port: number;
  username: string;
}

export class HostSpecError extends Error {
  override name = 'HostSpecError';
}

/**
 * The rules for a host, a user and a port, one message each: the CLI's host specs and the desktop's VPS form use
 * these same functions. Each returns why the value cannot be used, or undefined.
 */
export function hostProblem(host: string): string | undefined {
  if (isIP(host)) return undefined;
  const labels = host.split('.');
  const name =
    host.length > 0 &&
    host.length <= 253 &&
    labels.every((l) => /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(l)) &&
    // The last label of a name is never all digits (that would be a mistyped IPv4 address).
    !/^\d+$/.test(labels.at(-1)!);
  return name
    ? undefined
    : `"${host}" is not a host name or IP address (for example 203.0.113.7 or vps.example.com)`;
}

export function usernameProblem(username: string): string | undefined {
  return /^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/.test(username)
    ? undefined
    : `"${username}" is not a valid user name (letters, digits, _ . -; not first a digit or -)`;
}

export function portProblem(port: number): string | undefined {
  return Number.isInteger(port) && port >= 1 && port <= 65535
    ? undefined
    : 'the SSH port must be a number from 1 to 65535';
}

/** Parses `[user@]host[:port]`, `[user@][v6addr]:port`; the user defaults to root and the port to 22. */
export function parseHostSpec(spec: string, defaults: { username?: string; port?: number } = {}): HostSpec {
  const text = spec.trim();
  const at = text.lastIndexOf('@');
  const username = at >= 0 ? text.slice(0, at) : (defaults.username ?? 'root');
  let rest = at >= 0 ? text.slice(at + 1) : text;
  let port = defaults.port ?? 22;
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest);
  if (bracket) {
    rest = bracket[1]!;
    if (bracket[2]) port = Number(bracket[2]);
  } else if ((rest.match(/:/g) ?? []).length === 1) {
    const [h, p] = rest.split(':');
    rest = h!;
    port = p === '' ? Number.NaN : Number(p);
  }
  const problem = hostProblem(rest) ?? usernameProblem(username) ?? portProblem(port);
  if (problem)
    throw new HostSpecError(
      `${problem}. Write [user@]host[:port], for example root@203.0.113.7:22 ("${spec}").`,
    );
  return { host: rest, port, username };
}

/** How a host is named in output and known_hosts: `user@host:port`, the port only when not 22. */
export function formatHostSpec(spec: HostSpec): string {
  const host = spec.host.includes(':') ? `[${spec.host}]` : spec.host;
  return `${spec.username}@${host}${spec.port === 22 ? '' : `:${spec.port}`}`;
}

/** A hosts file: one `[user@]host[:port]` per line; blank lines and `#` comments ignored. */
export function parseHostsFile(
  text: string,
  defaults: { username?: string; port?: number } = {},
): HostSpec[] {
  const hosts: HostSpec[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) return;
    try {
      hosts.push(parseHostSpec(line, defaults));
    } catch (error) {
      throw new HostSpecError(`line ${i + 1}: ${errorMessage(error)}`);
    }
  });
  return hosts;
}
