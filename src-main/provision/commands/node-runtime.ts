// Installs the official Node tarball for the VPS's architecture under /opt/mono/node, its SHA-256 checked first.
import { ProvisionError } from '../errors.ts';
import { LAYOUT } from '../layout.ts';
import { script, sh } from '../shell.ts';
import type { RemoteCommand } from './remote.ts';

export const NODE_EXIT = { download: 20, noChecksum: 21, mismatch: 22, broken: 23 } as const;

export function nodeTarballName(version: string, arch: 'x64' | 'arm64'): string {
  return `node-v${version.replace(/^v/, '')}-linux-${arch}.tar.xz`;
}

/** The mirror and version end up in a root shell script: only plain http(s) URLs and X.Y.Z versions pass. */
export function checkNodeSource(mirror: string, version: string): void {
  let url: URL | undefined;
  try {
    url = new URL(mirror);
  } catch {}
  if (!url || !/^https?:$/.test(url.protocol) || /[\s'"`$\\;|&<>(){}]/.test(mirror))
    throw new ProvisionError(
      'node',
      `"${mirror}" is not a usable Node mirror URL`,
      'Pass --node-mirror as a plain http(s) URL, for example https://nodejs.org/dist.',
    );
  if (!/^v?\d+\.\d+\.\d+$/.test(version))
    throw new ProvisionError(
      'node',
      `"${version}" is not a Node version`,
      'Pass --node-version as X.Y.Z, for example 20.20.2.',
    );
}

export function installNodeCommand(o: {
  mirror: string;
  version: string;
  arch: 'x64' | 'arm64';
}): RemoteCommand {
  checkNodeSource(o.mirror, o.version);
  const version = o.version.replace(/^v/, '');
  const base = `${o.mirror.replace(/\/+$/, '')}/v${version}`;
  const file = nodeTarballName(version, o.arch);
  const dir = file.replace(/\.tar\.xz$/, '');
  const tmp = `${LAYOUT.root}/.node-download`;
  return {
    step: 'node',
    root: true,
    script: script(
      `tmp=${tmp}`,
      'rm -rf "$tmp" && mkdir -p "$tmp"',
      `trap 'rm -rf "$tmp"' EXIT`,
      'fetch() { if command -v curl >/dev/null 2>&1; then curl -fsSL --retry 2 --connect-timeout 15 -o "$2" "$1"; else wget -q -T 15 -O "$2" "$1"; fi; }',
      `fetch ${sh(`${base}/SHASUMS256.txt`)} "$tmp/SHASUMS256.txt" || { echo "cannot download ${base}/SHASUMS256.txt" >&2; exit ${NODE_EXIT.download}; }`,
      `fetch ${sh(`${base}/${file}`)} "$tmp/${file}" || { echo "cannot download ${base}/${file}" >&2; exit ${NODE_EXIT.download}; }`,
      `expected=$(awk '$2 == "${file}" {print $1}' "$tmp/SHASUMS256.txt")`,
      `[ -n "$expected" ] || { echo "SHASUMS256.txt has no checksum for ${file}" >&2; exit ${NODE_EXIT.noChecksum}; }`,
      `actual=$(sha256sum "$tmp/${file}" | cut -c1-64)`,
      `[ "$expected" = "$actual" ] || { echo "checksum mismatch for ${file}: expected $expected, got $actual" >&2; exit ${NODE_EXIT.mismatch}; }`,
      `tar -xJf "$tmp/${file}" -C "$tmp" --no-same-owner`,
      `"$tmp/${dir}/bin/node" -v >/dev/null || { echo "the downloaded node does not run on this VPS" >&2; exit ${NODE_EXIT.broken}; }`,
      `rm -rf ${LAYOUT.nodeDir}.old`,
      `[ ! -e ${LAYOUT.nodeDir} ] || mv -T ${LAYOUT.nodeDir} ${LAYOUT.nodeDir}.old`,
      `mv -T "$tmp/${dir}" ${LAYOUT.nodeDir}`,
      `rm -rf ${LAYOUT.nodeDir}.old`,
      `echo "node=$(${LAYOUT.nodeDir}/bin/node -v)"`,
    ),
  };
}
