// First contact with a VPS: read its host key without trusting it, and pin it only once the owner confirmed it.
// The desktop's wizard shows `fetchHostKey`'s fingerprint; the confirmed fingerprint then goes into
// `target.hostKey` (checkHost, deploy…) or to `trustHostKey`, and nothing else is ever pinned silently.
import { type HostKeyInfo, SshExecutor } from '../ssh/executor.ts';
import { hostKeyError, parseFingerprint } from '../ssh/host-keys.ts';
import { defaultKnownHostsPath, type HostKey, pinHostKey } from '../ssh/known-hosts.ts';
import { type Target, targetName } from './connect.ts';

export type { HostKeyInfo };

/** The key the host presents now and how it compares with the pinned one. Pins nothing, logs in nowhere. */
export function fetchHostKey(options: { target: Target }): Promise<HostKeyInfo> {
  return SshExecutor.fetchHostKey({
    host: options.target.host,
    port: options.target.port,
    knownHostsPath: options.target.knownHostsPath,
    readyTimeoutMs: options.target.readyTimeoutMs,
  });
}

/**
 * Pins the host's key if, and only if, it has the fingerprint the owner confirmed. A different key (someone in
 * the middle, or another server) and a key that replaces a pinned one are refused with a HostKeyError.
 */
export async function trustHostKey(options: { target: Target; fingerprint: string }): Promise<HostKey> {
  const expected = parseFingerprint(options.fingerprint);
  const info = await fetchHostKey(options);
  const knownHostsPath = options.target.knownHostsPath ?? defaultKnownHostsPath();
  const context = {
    host: info.host,
    port: info.port,
    presented: info.key,
    pinnedFingerprint: info.pinnedFingerprint,
    expected,
    where: targetName(options.target),
    knownHostsPath,
  };
  if (info.status === 'changed') throw hostKeyError('changed', context);
  if (info.key.fingerprint !== expected) throw hostKeyError('mismatch', context);
  if (info.status === 'new') await pinHostKey(knownHostsPath, info.host, info.port, info.key);
  return info.key;
}
