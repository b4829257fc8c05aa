// Release files on the VPS: unpack into a hidden incoming directory, verify, and only then name it a release.
import { LAYOUT } from '../layout.ts';
import { script, sh } from '../shell.ts';
import type { RemoteCommand } from './remote.ts';

export const UPLOAD_EXIT = { checksum: 31 } as const;

/** A release version is a directory name: keep it boring. */
export function assertVersion(version: string): string {
  if (!/^[0-9A-Za-z][0-9A-Za-z._+-]{0,63}$/.test(version))
    throw new Error(`"${version}" is not a valid release version`);
  return version;
}

/**
 * Receives a gzipped tar on stdin. Files unchanged since `reuseFrom` (the current release) are hard-linked
 * instead of uploaded. The manifest is checked before the directory gets its final name, so an interrupted
 * or corrupted upload never becomes a release (and so never `current`).
 */
export function uploadReleaseCommand(o: {
  version: string;
  nonce: string;
  reuseFrom?: string;
  reuse: string[];
}): RemoteCommand {
  const v = assertVersion(o.version);
  const rel = LAYOUT.releases;
  const incoming = `${rel}/.incoming-${v}-${o.nonce}`;
  const replaced = `${rel}/.replaced-${v}-${o.nonce}`;
  const links = o.reuseFrom
    ? o.reuse.map((p) => {
        const from = `${rel}/${assertVersion(o.reuseFrom!)}/${p}`;
        return `mkdir -p "$(dirname ${sh(`${incoming}/${p}`)})" && { ln ${sh(from)} ${sh(`${incoming}/${p}`)} 2>/dev/null || cp -p ${sh(from)} ${sh(`${incoming}/${p}`)}; }`;
      })
    : [];
  return {
    step: 'upload',
    root: true,
    what: `receiving and verifying release ${v}`,
    script: script(
      `rm -rf ${incoming} && mkdir -p ${incoming}`,
      ...links,
      `tar -xzf - -C ${incoming} --no-same-owner`,
      `(cd ${incoming} && sha256sum --quiet --strict -c ${LAYOUT.manifest}) >&2 || { rm -rf ${incoming}; echo "the uploaded files do not match their checksums" >&2; exit ${UPLOAD_EXIT.checksum}; }`,
      `chown -R root:root ${incoming} && chmod -R u=rwX,go=rX ${incoming}`,
      `[ ! -e ${rel}/${v} ] || mv -T ${rel}/${v} ${replaced}`,
      `mv -T ${incoming} ${rel}/${v}`,
      `rm -rf ${replaced}`,
    ),
  };
}

/** Points `current` at a release and `previous` at another (or removes it); each swap is an atomic rename. */
export function switchCommand(o: { current: string; previous?: string }): RemoteCommand {
  const cur = assertVersion(o.current);
  return {
    step: 'switch',
    root: true,
    what: `switching ${LAYOUT.current} to ${cur}`,
    script: script(
      `cd ${LAYOUT.root}`,
      `[ -d releases/${cur} ]`,
      `ln -sfn releases/${cur} .current.new && mv -T .current.new current`,
      o.previous
        ? `ln -sfn releases/${assertVersion(o.previous)} .previous.new && mv -T .previous.new previous`
        : 'rm -f previous',
    ),
  };
}

/** Removes one release (a release that failed its health check, so `rollback` never picks it). */
export function removeReleaseCommand(version: string, o: { unsetCurrent?: boolean } = {}): RemoteCommand {
  const v = assertVersion(version);
  return {
    step: 'rollback',
    root: true,
    script: script(
      o.unsetCurrent && `[ "$(readlink ${LAYOUT.current})" != releases/${v} ] || rm -f ${LAYOUT.current}`,
      `rm -rf ${LAYOUT.releases}/${v}`,
    ),
  };
}

/** Keeps the newest `keep` releases plus current and previous; clears unfinished uploads. */
export function pruneCommand(keep: number): RemoteCommand {
  return {
    step: 'prune',
    root: true,
    what: `removing old releases from ${LAYOUT.releases}`,
    script: script(
      `cd ${LAYOUT.releases}`,
      'rm -rf .incoming-* .replaced-*',
      `cur=$(basename "$(readlink ${LAYOUT.current} 2>/dev/null)" 2>/dev/null || true)`,
      `prev=$(basename "$(readlink ${LAYOUT.previous} 2>/dev/null)" 2>/dev/null || true)`,
      'n=0',
      'for r in $(ls -1t); do',
      '  n=$((n + 1))',
      `  if [ "$r" = "$cur" ] || [ "$r" = "$prev" ] || [ $n -le ${Math.max(1, keep)} ]; then continue; fi`,
      '  rm -rf "./$r" && echo "removed=$r"',
      'done',
    ),
  };
}
