// First contact with a VPS as the desktop shows it: the key the server presents (type and SHA256 fingerprint, as
// `ssh-keygen -lf` prints them) and how it compares with what MONO pinned. Nothing is pinned by looking; a key is
// pinned only after the owner compared it and said it matches, and a changed key is refused with what to do.
import type { HostKeyView } from '../ipc/contract.ts';
import type { HostKeyInfo } from '../provision/index.ts';
import { hostKeyError } from '../ssh/host-keys.ts';
import { defaultKnownHostsPath } from '../ssh/known-hosts.ts';

export function toHostKeyView(info: HostKeyInfo, where: string, knownHostsPath?: string): HostKeyView {
  const view: HostKeyView = {
    host: info.host,
    port: info.port,
    type: info.key.type,
    fingerprint: info.key.fingerprint,
    status: info.status,
    ...(info.pinnedFingerprint && { pinnedFingerprint: info.pinnedFingerprint }),
  };
  if (info.status !== 'changed') return view;
  const refusal = hostKeyError('changed', {
    host: info.host,
    port: info.port,
    presented: info.key,
    ...(info.pinnedFingerprint && { pinnedFingerprint: info.pinnedFingerprint }),
    where,
    knownHostsPath: knownHostsPath ?? defaultKnownHostsPath(),
  });
  return { ...view, problem: `${capitalize(refusal.reason)}. ${refusal.hint}` };
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
