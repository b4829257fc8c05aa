// `[user@]host[:port]` and hosts files: what a user types, turned into a connection target.

export interface HostSpec {
  host: string;
  port: number;
  username: string;
}

export class HostSpecError extends Error {
  override name = 'HostSpecError';
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
    port = Number(p);
  }
  if (!rest || !/^[A-Za-z0-9._:-]+$/.test(rest)) {
    throw new HostSpecError(
      `"${spec}" is not a host. Write [user@]host[:port], for example root@203.0.113.7:22.`,
    );
  }
  if (!username || !/^[a-z_][a-z0-9_.-]*$/i.test(username)) {
    throw new HostSpecError(`"${username}" in "${spec}" is not a valid user name.`);
  }
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new HostSpecError(`The port in "${spec}" must be a number from 1 to 65535.`);
  }
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
      throw new HostSpecError(`line ${i + 1}: ${(error as Error).message}`);
    }
  });
  return hosts;
}
