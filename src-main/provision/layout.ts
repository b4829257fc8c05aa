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
  /** Holds the agent's HTTP port while the agent restarts (systemd socket activation). */
  socketName: 'mono-agent.socket',
  socketPath: '/etc/systemd/system/mono-agent.socket',
  /** The secrets and units as they were before the last deploy that changed them (a rollback puts them back). */
  previousConfigDir: '/etc/mono/previous',
  /** A copy of the datastore taken, with no agent running, before a release with new migrations started. */
  snapshotDir: '/var/lib/mono-snapshot',
  /** The datastore as a failed release left it, kept aside when the snapshot was put back. */
  failedDataDir: '/var/lib/mono-failed',
  lockDir: '/var/lock/mono-deploy',
  runtimeDir: '/run/mono',
  hubSocket: '/run/mono/hub.sock',
  /** The unit's PIDFile=: the agent's process, which may hand the service over to a new one (agent-core/handover.ts). */
  pidFile: '/run/mono/agent.pid',
  user: 'mono',
  manifest: '.mono-manifest',
} as const;

/** Node version installed when the VPS has no Node ≥ MIN_NODE (overridable with --node-version). */
export const DEFAULT_NODE_VERSION = '20.20.2';
export const DEFAULT_NODE_MIRROR = 'https://nodejs.org/dist';
/**
 * The SHA-256 of the official tarballs of DEFAULT_NODE_VERSION (from nodejs.org's signed SHASUMS256.txt). MONO
 * pins them itself, so a mirror — or whoever sits between it and the VPS — cannot hand over another binary with
 * a checksum list to match. Another version needs its hash given explicitly (--node-sha256).
 */
export const NODE_SHA256: Record<string, Record<'x64' | 'arm64', string>> = {
  '20.20.2': {
    x64: 'df770b2a6f130ed8627c9782c988fda9669fa23898329a61a871e32f965e007d',
    arm64: '73093db209e4e9e09dd7d15a47aeaab1b74833830df03efa5f942a1122c5fa71',
  },
};
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
