// Local mode ("this computer"): the agent's environment built from the vault and prefs, its health, and the
// install steps the wizard shows while the desktop starts its own agent for the first time.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { ALLOCATOR_ENV } from '../../agent-core/config/allocator.ts';
import { Secret } from '../../agent-core/config/secret.ts';
import { HUB_CREDENTIALS_FILE } from '../../agent-core/hub/credentials.ts';
import { errorMessage } from '../../agent-core/util/error-message.ts';
import type { ServerStatus } from '../ipc/contract.ts';
import { secretsEnv, settingsEnv } from './agent-env.ts';
import type { Prefs } from './prefs.ts';
import type { Vault } from './vault.ts';

export const HUB_USER = 'mono_desktop';

export function hubPassword(vault: Vault): Secret {
  if (!vault.has('hub_password')) vault.set('hub_password', randomBytes(24).toString('base64url'));
  return vault.get('hub_password') as Secret;
}

/** The local agent's data directory inside the desktop's folder. */
export const localAgentDir = (desktopDir: string) => join(desktopDir, 'agent');

/**
 * Where the desktop says which local agent it runs (data directory and hub address), so `mono pairing` and other
 * CLI commands find it without flags. MONO_DESKTOP_AGENT_FILE moves it (tests).
 */
export function desktopAgentFile(env: NodeJS.ProcessEnv = process.env): string {
  return env.MONO_DESKTOP_AGENT_FILE ?? join(homedir(), '.mono', 'desktop-agent.json');
}

export interface DesktopAgent {
  dataDir: string;
  /** MONO_HUB_LISTEN of that agent. */
  hubListen: string;
}

/**
 * Before each start: the hub's credentials go into the agent's data directory (0600, where an agent run by hand
 * keeps its own), so the agent and the CLI read the same ones; and the desktop's agent is recorded for the CLI.
 */
export function prepareLocalAgent(opts: {
  desktopDir: string;
  hubPort: number;
  vault: Vault;
  file: string;
}): void {
  const dataDir = localAgentDir(opts.desktopDir);
  writePrivate(join(dataDir, HUB_CREDENTIALS_FILE), {
    username: HUB_USER,
    password: hubPassword(opts.vault).reveal(),
  });
  writePrivate(opts.file, { dataDir, hubListen: `127.0.0.1:${opts.hubPort}` } satisfies DesktopAgent);
}

export function readDesktopAgent(file: string): DesktopAgent | undefined {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<DesktopAgent>;
    return typeof parsed.dataDir === 'string' && typeof parsed.hubListen === 'string'
      ? { dataDir: parsed.dataDir, hubListen: parsed.hubListen }
      : undefined;
  } catch {
    return undefined;
  }
}

function writePrivate(file: string, value: unknown): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(`${file}.tmp`, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}

export function localAgentEnv(opts: {
  dataDir: string;
  hubPort: number;
  vault: Vault;
  prefs: Prefs;
  /** Upstream overrides (tests point these at the local fakes) and anything else the agent should get. */
  extra: Record<string, string | undefined>;
}): Record<string, string> {
  const { vault } = opts;
  const env: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    LANG: process.env.LANG,
    ...ALLOCATOR_ENV,
    MONO_DATA_DIR: localAgentDir(opts.dataDir),
    MONO_HTTP_HOST: '127.0.0.1',
    MONO_HTTP_PORT: '0',
    MONO_HUB_LISTEN: `127.0.0.1:${opts.hubPort}`,
    // The hub's credentials are in the data directory (prepareLocalAgent), not here: the CLI reads them there.
    ...secretsEnv(vault, ['vps_hub_password']),
    ...settingsEnv(opts.prefs),
    ...opts.extra,
  };
  // The supervisor finds the agent's address in its "ready" info line, and the Server screen shows the log.
  if (!['trace', 'debug', 'info'].includes(env.MONO_LOG_LEVEL ?? '')) env.MONO_LOG_LEVEL = 'info';
  return Object.fromEntries(
    Object.entries(env).filter((e): e is [string, string] => typeof e[1] === 'string'),
  );
}

export interface Healthz {
  status: string;
  reason?: string;
  version: string;
  uptime_s: number;
  db: string;
  channels: Record<string, string>;
  claude?: string;
}

export async function fetchHealth(httpUrl: string): Promise<Healthz> {
  const response = await fetch(`${httpUrl}/healthz`, { signal: AbortSignal.timeout(3_000) });
  return (await response.json()) as Healthz;
}

/** Resident memory of a local process in MB (Linux /proc; elsewhere unknown). */
export function processMemoryMb(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Math.round(Number(match[1]) / 1024) : undefined;
  } catch {
    return undefined;
  }
}

export async function localServerStatus(
  agent: { state: string; httpUrl?: string; pid?: number; reason?: string },
  paused: boolean,
): Promise<ServerStatus> {
  const base: ServerStatus = { mode: 'local', reachable: false, paused, channels: {} };
  if (!agent.httpUrl) {
    const why = agent.reason ? `: ${agent.reason}` : '.';
    return { ...base, error: paused ? 'The agent is paused.' : `The agent is ${agent.state}${why}` };
  }
  try {
    const health = await fetchHealth(agent.httpUrl);
    const memory = processMemoryMb(agent.pid);
    return {
      ...base,
      reachable: true,
      health: health.status === 'ok' ? 'ok' : 'degraded',
      ...(health.reason && { reason: health.reason }),
      version: health.version,
      uptime_s: health.uptime_s,
      db: health.db,
      channels: health.channels ?? {},
      ...(health.claude && { claude: health.claude }),
      address: agent.httpUrl,
      ...(memory !== undefined && { memory_mb: memory }),
    };
  } catch (error) {
    return {
      ...base,
      address: agent.httpUrl,
      error: `No answer from the agent: ${errorMessage(error)}`,
    };
  }
}

export { Secret };

/**
 * The local agent's /healthz after a restore: `ok`, held for a few seconds (a refused token shows only once the
 * channel tried it), within the time allowed; else an error that says what it reported. The restored data stays.
 */
export async function waitForLocalHealth(
  status: () => { state: string; httpUrl?: string },
  timeoutMs: number,
  holdMs = 3_000,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = 'it did not answer';
  let okSince: number | undefined;
  for (;;) {
    const url = status().httpUrl;
    let ok = false;
    if (url) {
      try {
        const h = await fetchHealth(url);
        ok = h.status === 'ok';
        last = ok
          ? `healthy (version ${h.version}, database ${h.db})`
          : `it reports ${h.status}${h.reason ? ` (${h.reason})` : ''}`;
      } catch (error) {
        last = `it did not answer (${errorMessage(error)})`;
      }
    } else last = `it is ${status().state}`;
    okSince = ok ? (okSince ?? Date.now()) : undefined;
    if (okSince !== undefined && Date.now() - okSince >= holdMs) return `Your agent answers: ${last}`;
    if (Date.now() > deadline)
      throw new Error(
        `Your agent holds the restored data but is not healthy: ${last}. See the log on the Server screen.`,
      );
    await new Promise((r) => setTimeout(r, 250));
  }
}
