// The desktop's VPS adapter over the provisioning module (src-main/provision/): test connection with preflight,
// deploy with progress, status, logs, rollback. Secrets travel as one env file over SSH only.
import { homedir } from 'node:os';
import type { Secret } from '../../agent-core/config/secret.ts';
import { errorMessage } from '../../agent-core/util/error-message.ts';
import { backup } from '../backup/backup.ts';
import type { StreamLimits } from '../backup/remote.ts';
import { restore } from '../backup/restore.ts';
import { copyLinkedDevice, installLinkedDevice, setAgentRunning } from '../backup/vps-agent.ts';
import type { PreflightCheck, VpsTarget } from '../ipc/contract.ts';
import { UserError } from '../ipc/dispatch.ts';
import { type AgentEnv, agentEnvFrom } from '../provision/env-file.ts';
import {
  checkHost,
  deploy,
  fetchHostKey,
  fleetDeploy,
  type HubTunnel,
  logs,
  openHubTunnel,
  type ProgressEvent,
  ProvisionError,
  rollback,
  status,
  type Target,
  targetName,
  trustHostKey,
  uninstall,
} from '../provision/index.ts';
import { LAYOUT } from '../provision/layout.ts';
import { SECRET_ENV } from './agent-env.ts';
import type { ProvisionAdapter, ProvisionEvent } from './provision-adapter.ts';
import { toHostKeyView } from './vps-host-key.ts';

/** The deploy's steps as the install screen lists them before they run (the events then fill in details). */
export const VPS_INSTALL_STEPS: { step: string; message: string }[] = [
  { step: 'connect', message: 'Connect to your server' },
  { step: 'preflight', message: 'Check the system (OS, architecture, disk, sudo)' },
  { step: 'lock', message: 'Make sure no other install is running' },
  { step: 'inspect', message: 'Look at what is installed' },
  { step: 'prepare', message: 'Create the mono user and folders' },
  { step: 'node', message: 'Install Node.js if needed' },
  { step: 'upload', message: 'Upload your agent' },
  { step: 'secrets', message: 'Store your keys on the server (readable by MONO only)' },
  { step: 'unit', message: 'Set up the system service' },
  { step: 'switch', message: 'Switch to the new release' },
  { step: 'restart', message: 'Start your agent' },
  { step: 'health', message: 'Check that it answers' },
  { step: 'prune', message: 'Remove old releases' },
  { step: 'unlock', message: 'Finish' },
];

export function toTarget(vps: VpsTarget, knownHostsPath?: string): Target {
  return {
    ...(knownHostsPath && { knownHostsPath }),
    host: vps.host,
    port: vps.port,
    username: vps.user,
    identity: vps.keyPath.replace(/^~(?=\/|$)/, homedir()),
    // Only a pinned key is accepted: a new one is pinned through trustHostKey, after the owner compared it.
  };
}

/**
 * The agent's settings for /etc/mono/agent.env: the vault's secrets under the agent's names, the hub user and
 * other settings, each value quoted as systemd reads it back (never printed; a control character is refused).
 */
export function envFileFor(
  secrets: Record<string, Secret>,
  hubUser: string,
  extraEnv: Record<string, string> = {},
): AgentEnv {
  const entries: [string, string | Secret][] = Object.entries(secrets).flatMap(
    ([name, secret]): [string, Secret][] => (SECRET_ENV[name] ? [[SECRET_ENV[name], secret]] : []),
  );
  entries.push(...Object.entries(extraEnv));
  if (secrets.vps_hub_password) entries.push(['MONO_DB_USER', hubUser]);
  return agentEnvFrom(entries);
}

export function toEvent(event: ProgressEvent): ProvisionEvent {
  const status = { start: 'running', ok: 'done', fail: 'failed', skip: 'skipped' } as const;
  const message =
    event.status === 'fail' && event.error ? `${event.error.reason}. ${event.error.hint}` : event.message;
  return { step: event.step, status: status[event.status], message };
}

function userError(error: unknown): UserError {
  if (error instanceof ProvisionError) return new UserError(`${error.reason}. ${error.hint}`, error.name);
  return new UserError(errorMessage(error));
}

export interface VpsProvisionOptions {
  /** The agent build to upload (agent-core/dist, or the app's bundled copy). */
  releaseDir: string;
  hubUser: string;
  /** Where Node.js is downloaded from when the VPS has none (default: the official site). */
  nodeMirror?: string;
  nodeVersion?: string;
  /** The Node tarball's SHA-256 when it is not the official build MONO pins (a private mirror's own build). */
  nodeSha256?: string;
  /** A private https Node mirror's certificate authority (PEM): a fleet downloads Node once, here. */
  nodeMirrorCa?: string;
  knownHostsPath?: string;
  /** Non-secret settings for the agent's environment (tests: the fake upstreams' URLs). */
  extraEnv?: Record<string, string>;
  /** Replaces a backup's own time limits (tests: a hung backup found in seconds). */
  backupLimits?: StreamLimits;
}

export function createVpsProvision(deps: VpsProvisionOptions): ProvisionAdapter {
  const target = (vps: VpsTarget) => toTarget(vps, deps.knownHostsPath);
  let tunnel: { key: string; tunnel: HubTunnel } | undefined;
  return {
    async hostKey(vps) {
      try {
        return toHostKeyView(
          await fetchHostKey({ target: target(vps) }),
          targetName(target(vps)),
          deps.knownHostsPath,
        );
      } catch (error) {
        throw userError(error);
      }
    },
    async trustHostKey(vps, fingerprint) {
      try {
        const key = await trustHostKey({ target: target(vps), fingerprint });
        return toHostKeyView(
          { host: vps.host, port: vps.port, key, status: 'pinned' },
          targetName(target(vps)),
        );
      } catch (error) {
        throw userError(error);
      }
    },
    async testConnection(vps) {
      const events: ProgressEvent[] = [];
      const result = await checkHost({ target: target(vps), onProgress: (e) => events.push(e) });
      const checks: PreflightCheck[] = events
        .filter((e) => e.status === 'ok' || e.status === 'fail')
        .map((e) => ({
          name: e.step === 'connect' ? 'Connection' : 'Server check',
          ok: e.status === 'ok',
          detail: toEvent(e).message,
        }));
      if (!result.ok && result.error && !checks.some((c) => !c.ok)) {
        checks.push({
          name: 'Connection',
          ok: false,
          detail: `${result.error.reason}. ${result.error.hint}`,
        });
      }
      return { ok: result.ok, checks };
    },
    async deploy(vps, secrets, onEvent, env = {}, signal) {
      try {
        await deploy({
          ...(signal && { signal }),
          target: target(vps),
          releaseDir: deps.releaseDir,
          agentEnv: envFileFor(secrets, deps.hubUser, { ...deps.extraEnv, ...env }),
          ...(deps.nodeMirror && { nodeMirror: deps.nodeMirror }),
          ...(deps.nodeVersion && { nodeVersion: deps.nodeVersion }),
          ...(deps.nodeSha256 && { nodeSha256: deps.nodeSha256 }),
          onProgress: (event) => onEvent(toEvent(event)),
        });
      } catch (error) {
        throw userError(error);
      }
    },
    // No secrets travel: every server keeps its own settings (/etc/mono/agent.env); only the release changes.
    async fleet(vpses, o) {
      return fleetDeploy({
        targets: vpses.map(target),
        releaseDir: deps.releaseDir,
        parallel: o.parallel,
        canary: o.canary,
        maxFailures: o.maxFailures,
        bakeMs: o.bakeMs,
        signal: o.signal,
        onProgress: o.onProgress,
        onHostDone: o.onHostDone,
        ...(deps.nodeMirror && { nodeMirror: deps.nodeMirror }),
        ...(deps.nodeVersion && { nodeVersion: deps.nodeVersion }),
        ...(deps.nodeSha256 && { nodeSha256: deps.nodeSha256 }),
        ...(deps.nodeMirrorCa && { nodeMirrorCa: deps.nodeMirrorCa }),
      });
    },
    async status(vps) {
      try {
        const report = await status({ target: target(vps) });
        const health = report.health as
          | (typeof report.health & { reason?: string; claude?: string })
          | undefined;
        return {
          reachable: health !== undefined,
          ...(health && { health: health.status === 'ok' ? ('ok' as const) : ('degraded' as const) }),
          ...(health?.reason && { reason: health.reason }),
          ...(health?.claude && { claude: health.claude }),
          channels: report.channels ?? {},
          data: { path: LAYOUT.dataDir, onThisComputer: false },
          address: report.host,
          ...(report.version && { version: report.version }),
          ...(report.uptimeS !== undefined && { uptime_s: report.uptimeS }),
          ...(report.memoryBytes !== undefined && { memory_mb: Math.round(report.memoryBytes / 1048576) }),
          ...(report.health?.db && { db: String(report.health.db) }),
          ...(report.healthProblem && { error: report.healthProblem }),
        };
      } catch (error) {
        throw userError(error);
      }
    },
    async logs(vps, limit) {
      let text = '';
      try {
        await logs({ target: target(vps), lines: limit, onData: (chunk) => (text += chunk) });
      } catch (error) {
        throw userError(error);
      }
      return text.split('\n').filter(Boolean);
    },
    async followLogs(vps, onLine, signal) {
      let partial = '';
      try {
        await logs({
          target: target(vps),
          lines: 0,
          follow: true,
          signal,
          onData: (chunk) => {
            const lines = (partial + chunk).split('\n');
            partial = lines.pop() ?? '';
            for (const line of lines) if (line) onLine(line);
          },
        });
      } catch (error) {
        if (!signal.aborted) throw userError(error);
      }
    },
    async rollback(vps) {
      try {
        const result = await rollback({ target: target(vps) });
        return `Switched back from ${result.from} to ${result.to}.`;
      } catch (error) {
        throw userError(error);
      }
    },
    async hubUrl(vps) {
      const key = `${vps.user}@${vps.host}:${vps.port}`;
      if (tunnel?.key === key) return tunnel.tunnel.url;
      await tunnel?.tunnel.close().catch(() => {});
      tunnel = undefined;
      try {
        const opened = await openHubTunnel({
          target: target(vps),
          // A broken forward (the SSH connection died): drop it, the next reconnect opens a fresh one.
          onError: () => {
            if (tunnel?.tunnel === opened) {
              tunnel = undefined;
              void opened.close().catch(() => {});
            }
          },
        });
        tunnel = { key, tunnel: opened };
        return opened.url;
      } catch (error) {
        throw userError(error);
      }
    },
    async close() {
      await tunnel?.tunnel.close().catch(() => {});
      tunnel = undefined;
    },
    async backup(vps, o) {
      try {
        const r = await backup({
          target: target(vps),
          out: o.out,
          passphrase: o.passphrase,
          onProgress: (event) => o.onEvent(toEvent(event)),
          ...(deps.backupLimits && { limits: deps.backupLimits }),
        });
        return { bytes: r.bytes, counts: r.counts };
      } catch (error) {
        throw userError(error);
      }
    },
    async restore(vps, o) {
      try {
        const r = await restore({
          target: target(vps),
          file: o.file,
          passphrase: o.passphrase,
          replace: o.replace,
          onProgress: (event) => o.onEvent(toEvent(event)),
        });
        return { counts: r.counts, ...(r.replaced ? { replaced: r.replaced } : {}) };
      } catch (error) {
        throw userError(error);
      }
    },
    async setAgentRunning(vps, running) {
      try {
        await setAgentRunning(target(vps), running);
      } catch (error) {
        throw userError(error);
      }
    },
    async copyLinkedDevice(from, to) {
      try {
        return await copyLinkedDevice(target(from), target(to));
      } catch (error) {
        throw userError(error);
      }
    },
    async installLinkedDevice(to, archive) {
      try {
        return await installLinkedDevice(target(to), archive);
      } catch (error) {
        throw userError(error);
      }
    },
    async uninstall(vps, onEvent) {
      try {
        await uninstall({ target: target(vps), onProgress: (event) => onEvent(toEvent(event)) });
      } catch (error) {
        throw userError(error);
      }
    },
  };
}
