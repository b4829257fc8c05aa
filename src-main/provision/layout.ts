// Where MONO lives on a VPS. One place, so builders, tests and uninstall agree on every path.

export const LAYOUT = {
  root: '/opt/mono',
  releases: '/opt/mono/releases',
  current: '/opt/mono/current',
  previous: '/opt/mono/previous',
  nodeDir: '/opt/mono/node',
  dataDir: '/var/lib/mono',
  configDir: '/etc/mono',
  envFile: '/etc/mono/agent.env',
  unitName: 'mono-agent.service',
  unitPath: '/etc/systemd/system/mono-agent.service',
  lockDir: '/var/lock/mono-deploy',
  runtimeDir: '/run/mono',
  hubSocket: '/run/mono/hub.sock',
  user: 'mono',
  manifest: '.mono-manifest',
} as const;

/** Node version installed when the VPS has no Node ≥ MIN_NODE (overridable with --node-version). */
export const DEFAULT_NODE_VERSION = '20.20.2';
export const DEFAULT_NODE_MIRROR = 'https://nodejs.org/dist';
/** The agent's bundle targets Node 20.12 (node --env-file, fetch, stable test runner). */
export const MIN_NODE: [number, number] = [20, 12];
/** @surrealdb/node 3.0.x needs glibc ≥ 2.35. */
export const MIN_GLIBC: [number, number] = [2, 35];
/** Free space needed under /opt for a release plus a Node runtime (bytes). */
export const MIN_FREE_BYTES = 300 * 1024 * 1024;
export const DEFAULT_HTTP_PORT = 7420;
export const KEEP_RELEASES = 3;
/** A lock whose heartbeat is older than this is stale (a deploy refreshes it at every step). */
export const LOCK_STALE_S = 600;
