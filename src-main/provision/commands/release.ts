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
 * Receives a gzipped tar on stdin into a hidden incoming directory; files unchanged since `reuseFrom` (the
 * running release) are hard-linked instead of uploaded, and never written to. The manifest is checked before
 * the directory gets its final name, so an interrupted or corrupted upload never becomes a release. A release
 * directory is never replaced: its name says its content, so one that exists already is kept as it is.
 */
export function uploadReleaseCommand(options: {
  version: string;
  nonce: string;
  reuseFrom?: string;
  reuse: string[];
}): RemoteCommand {
  const v = assertVersion(options.version);
  const rel = LAYOUT.releases;
  const incoming = `${rel}/.incoming-${v}-${options.nonce}`;
  const links = options.reuseFrom
    ? options.reuse.map((p) => {
        const from = `${rel}/${assertVersion(options.reuseFrom!)}/${p}`;
        return `mkdir -p "$(dirname ${sh(`${incoming}/${p}`)})" && { ln ${sh(from)} ${sh(`${incoming}/${p}`)} 2>/dev/null || cp -p ${sh(from)} ${sh(`${incoming}/${p}`)}; }`;
      })
    : [];
  return {
    step: 'upload',
    root: true,
    what: `receiving and verifying release ${v}`,
    script: script(
      `rm -rf ${incoming} && mkdir -p ${incoming}`,
      `trap 'rm -rf ${incoming}' EXIT`,
      ...links,
      `tar -xzf - -C ${incoming} --no-same-owner`,
      `(cd ${incoming} && sha256sum --quiet --strict -c ${LAYOUT.manifest}) >&2 || { echo "the uploaded files do not match their checksums" >&2; exit ${UPLOAD_EXIT.checksum}; }`,
      // Only the new files: the hard links share their inodes with the running release.
      `find ${incoming} -links 1 -exec chown root:root {} + -exec chmod u=rwX,go=rX {} +`,
      `[ -e ${rel}/${v} ] && echo exists=1 || mv -T ${incoming} ${rel}/${v}`,
    ),
  };
}

/** Points `current` at a release and `previous` at another (or removes it); each swap is an atomic rename. */
export function switchCommand(options: { current: string; previous?: string }): RemoteCommand {
  const cur = assertVersion(options.current);
  return {
    step: 'switch',
    root: true,
    what: `switching ${LAYOUT.current} to ${cur}`,
    script: script(
      `cd ${LAYOUT.root}`,
      `[ -d releases/${cur} ]`,
      `ln -sfn releases/${cur} .current.new && mv -T .current.new current`,
      options.previous
        ? `ln -sfn releases/${assertVersion(options.previous)} .previous.new && mv -T .previous.new previous`
        : 'rm -f previous',
    ),
  };
}

/** Removes one release (a release that failed its health check, so `rollback` never picks it). */
export function removeReleaseCommand(
  version: string,
  options: { unsetCurrent?: boolean } = {},
): RemoteCommand {
  const v = assertVersion(version);
  return {
    step: 'rollback',
    root: true,
    script: script(
      options.unsetCurrent &&
        `[ "$(readlink ${LAYOUT.current})" != releases/${v} ] || rm -f ${LAYOUT.current}`,
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
