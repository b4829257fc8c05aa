// Which host key a connection may accept, pin or must refuse — one pure rule, apart from the socket code.
import { HostKeyError } from '../provision/errors.ts';
import type { HostKey } from './known-hosts.ts';

export interface HostKeyPolicy {
  /** Keys pinned for this host and port in MONO's known_hosts. */
  pinned: HostKey[];
  /** A fingerprint the operator expects (`--host-key SHA256:…`, or what the owner confirmed in the wizard). */
  expected?: string;
  /** Pin an unknown key without asking (`--accept-new-host-key`). */
  acceptNew?: boolean;
  /** A key a person looked at and confirmed during this connection. */
  confirmed?: HostKey;
}

export type HostKeyDecision =
  | { accept: true; pin: boolean }
  | { accept: false; reason: 'unknown' | 'changed' | 'mismatch' };

/**
 * A pinned key is the only one accepted, and never replaced. An unknown key is accepted (and pinned) only when
 * it matches the expected fingerprint, was confirmed by a person, or the operator said to trust new keys.
 */
export function decideHostKey(presented: HostKey, policy: HostKeyPolicy): HostKeyDecision {
  const expected = policy.expected ? parseFingerprint(policy.expected) : undefined;
  if (policy.pinned.length > 0) {
    if (!policy.pinned.some((k) => k.base64 === presented.base64))
      return { accept: false, reason: 'changed' };
    if (expected && expected !== presented.fingerprint) return { accept: false, reason: 'mismatch' };
    return { accept: true, pin: false };
  }
  if (expected)
    return expected === presented.fingerprint
      ? { accept: true, pin: true }
      : { accept: false, reason: 'mismatch' };
  if (policy.confirmed?.base64 === presented.base64 || policy.acceptNew) return { accept: true, pin: true };
  return { accept: false, reason: 'unknown' };
}

const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;

/**
 * A SHA256 fingerprint as OpenSSH prints it (`SHA256:` + 43 base64 characters); a copy from a provider's console
 * may lack the prefix or keep the base64 padding. Throws a message that says the expected form.
 */
export function parseFingerprint(text: string): string {
  const trimmed = text.trim().replace(/=+$/, '');
  const value = trimmed.startsWith('SHA256:') ? trimmed : `SHA256:${trimmed}`;
  if (!FINGERPRINT.test(value))
    throw new Error(
      `"${text}" is not a SHA256 host key fingerprint; it looks like SHA256:1oUt0x… as "ssh-keygen -lf" prints it`,
    );
  return value;
}

/** The refusal a user sees, saying what to do in each case. */
export function hostKeyError(
  reason: 'unknown' | 'changed' | 'mismatch',
  o: {
    host: string;
    port: number;
    presented: HostKey;
    pinnedFingerprint?: string;
    expected?: string;
    where: string;
    knownHostsPath: string;
  },
): HostKeyError {
  const at = `${o.host}:${o.port}`;
  const shown = `${o.presented.type} ${o.presented.fingerprint}`;
  if (reason === 'unknown')
    return new HostKeyError(
      'unknown',
      o.presented.fingerprint,
      undefined,
      `the host key of ${at} is not known yet (${shown})`,
      'Compare it with the fingerprint your VPS provider shows (or run "ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub" on its console), then run again with --host-key ' +
        `${o.presented.fingerprint} (or --accept-new-host-key).`,
      o.where,
    );
  if (reason === 'mismatch')
    return new HostKeyError(
      'mismatch',
      o.presented.fingerprint,
      o.expected,
      `the host key of ${at} is ${shown}, not the expected ${o.expected}`,
      'Refusing to connect and pinning nothing: someone may be intercepting the connection, or the expected fingerprint belongs to another server. Compare it again with your provider’s console.',
      o.where,
    );
  return new HostKeyError(
    'changed',
    o.presented.fingerprint,
    o.pinnedFingerprint,
    `the host key of ${at} changed: it is now ${shown}, MONO pinned ${o.pinnedFingerprint}`,
    `Refusing to connect: someone may be intercepting the connection. If you rebuilt the VPS on purpose, remove its line from ${o.knownHostsPath} and connect again.`,
    o.where,
  );
}
