// The desktop's view of provisioning (src-main/provision/, another module): an interface the Install and Server
// screens call, plus the adapter used until a VPS target is possible in this build.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Secret } from '../../agent-core/config/secret.ts';
import type { LinkedDeviceCopy } from '../backup/vps-agent.ts';
import type { HostKeyView, PreflightCheck, ServerStatus, VpsTarget } from '../ipc/contract.ts';
import { UserError } from '../ipc/dispatch.ts';
import type { FleetHostOutcome, FleetResult, ProgressListener } from '../provision/index.ts';

/** One provisioning progress event, as `deploy` emits them (and `mono deploy --json` prints them). */
export interface ProvisionEvent {
  step: string;
  status: 'running' | 'done' | 'failed' | 'skipped' | 'waiting';
  message: string;
}

export interface ProvisionAdapter {
  /** The key the server presents and how it compares with the pinned one; pins nothing. */
  hostKey(target: VpsTarget): Promise<HostKeyView>;
  /** Pins the server's key if, and only if, it has the fingerprint the owner confirmed. */
  trustHostKey(target: VpsTarget, fingerprint: string): Promise<HostKeyView>;
  /** Connects (a pinned key only) and runs the preflight checks. */
  testConnection(target: VpsTarget): Promise<{ ok: boolean; checks: PreflightCheck[] }>;
  deploy(
    target: VpsTarget,
    secrets: Record<string, Secret>,
    onEvent: (event: ProvisionEvent) => void,
    /** Non-secret settings for the agent's environment. */
    env?: Record<string, string>,
    /** Cancels the deploy at its next step (the host lock is released). */
    signal?: AbortSignal,
  ): Promise<void>;
  status(target: VpsTarget): Promise<Omit<ServerStatus, 'mode' | 'paused'>>;
  logs(target: VpsTarget, limit: number): Promise<string[]>;
  /** Follows the agent's journal (new lines only) until the signal aborts. */
  followLogs?(target: VpsTarget, onLine: (line: string) => void, signal: AbortSignal): Promise<void>;
  rollback(target: VpsTarget): Promise<string>;
  /** Where the db hub of that VPS is reachable from this computer (an SSH streamlocal forward). */
  hubUrl(target: VpsTarget): Promise<string>;
  /** Backs the VPS's agent up into `out` on this computer, encrypted with `passphrase`. */
  backup(
    target: VpsTarget,
    o: { out: string; passphrase: Secret; onEvent: (event: ProvisionEvent) => void },
  ): Promise<{ bytes: number; counts: Record<string, number> }>;
  /** Restores a backup file into the VPS's agent (stopped, restored, started, health-checked). */
  restore(
    target: VpsTarget,
    o: { file: string; passphrase: Secret; replace: boolean; onEvent: (event: ProvisionEvent) => void },
  ): Promise<{ counts: Record<string, number>; replaced?: string }>;
  /** Stops or starts the agent's service (a move stops the old one so that only one agent answers). */
  setAgentRunning(target: VpsTarget, running: boolean): Promise<void>;
  /** Carries a WhatsApp linked device's keys from one server to another. */
  copyLinkedDevice(from: VpsTarget, to: VpsTarget): Promise<LinkedDeviceCopy>;
  /** Installs a linked device's keys from this computer (a .tar.gz of whatsapp-auth/…) on a server. */
  installLinkedDevice(to: VpsTarget, archive: Buffer): Promise<{ keptAside?: string }>;
  uninstall(target: VpsTarget, onEvent: (event: ProvisionEvent) => void): Promise<void>;
  /** This app's agent to many servers, canaries first, through the same rollout as `mono fleet deploy`. */
  fleet?(targets: VpsTarget[], o: FleetRunOptions): Promise<FleetResult>;
  /** Closes what stays open between calls (the database tunnel). */
  close?(): Promise<void>;
}

export interface FleetRunOptions {
  parallel: number;
  canary: number;
  maxFailures: number;
  bakeMs: number;
  /** Every step of every host (the event names its host). */
  onProgress: ProgressListener;
  onHostDone: (outcome: FleetHostOutcome) => void;
  signal: AbortSignal;
}

export const VPS_UNAVAILABLE =
  'Installing on a VPS is not available in this build yet. Choose "This computer" for now; you can move later.';

/** Used until the provisioning module is wired in: every VPS action explains itself instead of failing oddly. */
export function createUnavailableProvision(): ProvisionAdapter {
  const fail = async (): Promise<never> => {
    throw new UserError(VPS_UNAVAILABLE, 'Unavailable');
  };
  return {
    hostKey: fail,
    trustHostKey: fail,
    testConnection: fail,
    deploy: fail,
    status: fail,
    logs: fail,
    rollback: fail,
    hubUrl: fail,
    backup: fail,
    restore: fail,
    setAgentRunning: fail,
    copyLinkedDevice: fail,
    installLinkedDevice: fail,
    uninstall: fail,
    fleet: fail,
  };
}

const run = promisify(execFile);

/** A new ed25519 key for MONO in the desktop's folder, and the line to add to the server's authorized_keys. */
export async function generateSshKey(dir: string): Promise<{ keyPath: string; publicKeyLine: string }> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const keyPath = join(dir, 'id_ed25519_mono');
  if (!existsSync(keyPath)) {
    try {
      await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'mono-desktop', '-f', keyPath]);
    } catch {
      throw new UserError('Could not create a key: OpenSSH (ssh-keygen) is not installed on this computer.');
    }
  }
  return { keyPath, publicKeyLine: readFileSync(`${keyPath}.pub`, 'utf8').trim() };
}
