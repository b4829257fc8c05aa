// MONO's own known_hosts file (~/.mono/known_hosts or $MONO_HOME/known_hosts): host keys pinned on first use.
import { createHash } from 'node:crypto';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

export interface HostKey {
  /** Algorithm name from the key blob, e.g. ssh-ed25519. */
  type: string;
  /** The key blob in base64, as OpenSSH writes it. */
  base64: string;
  /** OpenSSH-style fingerprint: SHA256:<base64 without padding>. */
  fingerprint: string;
}

export function defaultKnownHostsPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.MONO_HOME ?? join(homedir(), '.mono'), 'known_hosts');
}

/** The host key a server presented (ssh2 hands the raw blob to the host verifier). */
export function hostKeyFromBlob(blob: Buffer): HostKey {
  const length = blob.length >= 4 ? blob.readUInt32BE(0) : 0;
  const type = blob.subarray(4, 4 + length).toString('latin1') || 'unknown';
  const digest = createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
  return { type, base64: blob.toString('base64'), fingerprint: `SHA256:${digest}` };
}

/** The name a host has in known_hosts: `host`, or `[host]:port` when the port is not 22 (as OpenSSH does). */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

export function formatKnownHostsLine(host: string, port: number, key: HostKey): string {
  return `${knownHostsName(host, port)} ${key.type} ${key.base64}`;
}

/** Keys pinned for a host (any type); hashed OpenSSH entries are not written by MONO and are ignored. */
export function findPinnedKeys(text: string, host: string, port: number): HostKey[] {
  const name = knownHostsName(host, port);
  const keys: HostKey[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const [names, type, base64] = line.split(/\s+/);
    if (!names || !type || !base64) continue;
    if (!names.split(',').includes(name)) continue;
    keys.push(hostKeyFromBlob(Buffer.from(base64, 'base64')));
  }
  return keys;
}

export async function readPinnedKeys(path: string, host: string, port: number): Promise<HostKey[]> {
  try {
    return findPinnedKeys(await readFile(path, 'utf8'), host, port);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

export async function pinHostKey(path: string, host: string, port: number, key: HostKey): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await appendFile(path, `${formatKnownHostsLine(host, port, key)}\n`, { mode: 0o600 });
}
