// Installs the official Node tarball for the VPS's architecture under /opt/mono/node: fetched over https only
// (or received on stdin), its SHA-256 checked against a hash MONO pins before anything is unpacked.
import { ProvisionError } from '../errors.ts';
import { LAYOUT, NODE_SHA256 } from '../layout.ts';
import { script, sh } from '../shell.ts';
import type { RemoteCommand } from './remote.ts';

export const NODE_EXIT = { download: 20, mismatch: 22, broken: 23 } as const;
/** The download itself may take this long (curl --max-time); the whole command gets a little more. */
export const NODE_DOWNLOAD_S = 600;

export type NodeArch = 'x64' | 'arm64';

export function nodeTarballName(version: string, arch: NodeArch): string {
  return `node-v${version.replace(/^v/, '')}-linux-${arch}.tar.xz`;
}

/**
 * The mirror and version end up in a root shell script: only plain https URLs and X.Y.Z versions pass. Plain
 * http is refused: whoever sits on the path could swap the runtime the agent (and its secrets) run in.
 */
export function checkNodeSource(mirror: string, version: string, sha256?: string): void {
  let url: URL | undefined;
  try {
    url = new URL(mirror);
  } catch {}
  if (url?.protocol !== 'https:' || /[\s'"`$\\;|&<>(){}]/.test(mirror))
    throw new ProvisionError(
      'node',
      `"${mirror}" is not a usable Node mirror URL (https only)`,
      'Pass --node-mirror as a plain https URL, for example https://nodejs.org/dist.',
    );
  if (!/^v?\d+\.\d+\.\d+$/.test(version))
    throw new ProvisionError(
      'node',
      `"${version}" is not a Node version`,
      'Pass --node-version as X.Y.Z, for example 20.20.2.',
    );
  if (sha256 !== undefined && !/^[0-9a-f]{64}$/.test(sha256))
    throw new ProvisionError(
      'node',
      `"${sha256}" is not a SHA-256 (64 hex digits)`,
      'Pass --node-sha256 with the tarball’s line from the release’s SHASUMS256.txt.',
    );
  if (sha256 === undefined && !NODE_SHA256[version.replace(/^v/, '')])
    throw new ProvisionError(
      'node',
      `MONO has no pinned checksum for Node ${version}`,
      `Pass --node-sha256 with the hash of ${nodeTarballName(version, 'x64')} (or arm64) from https://nodejs.org/dist/v${version.replace(/^v/, '')}/SHASUMS256.txt, after checking that file's signature (gpg --verify SHASUMS256.txt.sig), or leave --node-version at its default.`,
    );
}

/** The hash the tarball must have: the one given explicitly, else MONO's pin for that version and arch. */
export function expectedNodeSha256(version: string, arch: NodeArch, explicit?: string): string {
  checkNodeSource('https://checked.invalid', version, explicit);
  return explicit ?? NODE_SHA256[version.replace(/^v/, '')]![arch];
}

/**
 * `source: 'stdin'` receives the tarball from the deploying machine (a fleet fetches it once); otherwise the VPS
 * downloads it, printing `progress=<bytes>` every second so a slow link shows it is moving.
 */
export function installNodeCommand(options: {
  mirror: string;
  version: string;
  arch: NodeArch;
  sha256: string;
  source?: 'download' | 'stdin';
}): RemoteCommand {
  checkNodeSource(options.mirror, options.version, options.sha256);
  const version = options.version.replace(/^v/, '');
  const file = nodeTarballName(version, options.arch);
  const url = `${options.mirror.replace(/\/+$/, '')}/v${version}/${file}`;
  const dir = file.replace(/\.tar\.xz$/, '');
  const tmp = `${LAYOUT.root}/.node-download`;
  const fetch =
    options.source === 'stdin'
      ? ['cat > "$file"']
      : [
          // https only, also after redirects; curl gives up on a stalled or endless download by itself.
          `if command -v curl >/dev/null 2>&1; then curl -fsSL --proto =https --proto-redir =https --retry 2 --connect-timeout 15 --max-time ${NODE_DOWNLOAD_S} -o "$file" ${sh(url)} & else wget -q --https-only -T 30 -O "$file" ${sh(url)} & fi`,
          'pid=$!',
          'while kill -0 "$pid" 2>/dev/null; do echo "progress=$(stat -c %s "$file" 2>/dev/null || echo 0)"; sleep 1; done',
          `wait "$pid" || { echo "cannot download ${url}" >&2; exit ${NODE_EXIT.download}; }`,
        ];
  return {
    step: 'node',
    root: true,
    what:
      options.source === 'stdin'
        ? `receiving and installing Node v${version}`
        : `downloading Node v${version} from ${options.mirror} and installing it`,
    timeoutS: NODE_DOWNLOAD_S + 120,
    script: script(
      `tmp=${tmp}`,
      `file="$tmp/${file}"`,
      'rm -rf "$tmp" && mkdir -p "$tmp"',
      `trap 'rm -rf "$tmp"' EXIT`,
      ...fetch,
      `actual=$(sha256sum "$file" | cut -c1-64)`,
      `[ "$actual" = ${options.sha256} ] || { echo "checksum mismatch for ${file}: expected ${options.sha256}, got $actual" >&2; exit ${NODE_EXIT.mismatch}; }`,
      `tar -xJf "$file" -C "$tmp" --no-same-owner`,
      `"$tmp/${dir}/bin/node" -v >/dev/null || { echo "the downloaded node does not run on this VPS" >&2; exit ${NODE_EXIT.broken}; }`,
      `rm -rf ${LAYOUT.nodeDir}.old`,
      `[ ! -e ${LAYOUT.nodeDir} ] || mv -T ${LAYOUT.nodeDir} ${LAYOUT.nodeDir}.old`,
      `mv -T "$tmp/${dir}" ${LAYOUT.nodeDir}`,
      `rm -rf ${LAYOUT.nodeDir}.old`,
      `echo "node=$(${LAYOUT.nodeDir}/bin/node -v)"`,
    ),
  };
}
