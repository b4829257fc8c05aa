// The release on this machine (what `npm run build` made): its version, the files one VPS needs, their checksums.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { ProvisionError } from './errors.ts';
import { LAYOUT } from './layout.ts';
import { createTar } from './tar.ts';

const gzipAsync = promisify(gzip);

export interface ReleaseFile {
  /** Path inside the release, with forward slashes. */
  path: string;
  absolute: string;
  size: number;
  sha256: string;
}

export interface LocalRelease {
  dir: string;
  version: string;
  arch: 'x64' | 'arm64';
  files: ReleaseFile[];
  /** sha256sum format, sorted by path: what the VPS checks the upload against. */
  manifest: string;
}

const ADDON = /^surrealdb-node\.(.+)\.node$/;

/** Whether a file of the build belongs in the release for a linux-<arch> VPS (only its own native addon). */
export function wantedOnVps(path: string, arch: 'x64' | 'arm64'): boolean {
  const addon = ADDON.exec(path);
  return addon ? addon[1] === `linux-${arch}-gnu` : true;
}

export function manifestOf(files: { path: string; sha256: string }[]): string {
  return [...files]
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    .map((f) => `${f.sha256}  ${f.path}\n`)
    .join('');
}

/** Paths whose checksum in a remote manifest equals the local one: already on the VPS, linked, not uploaded. */
export function reusablePaths(release: LocalRelease, remoteManifest: string): string[] {
  const remote = new Map<string, string>();
  for (const line of remoteManifest.split('\n')) {
    const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
    if (m) remote.set(m[2]!, m[1]!);
  }
  return release.files.filter((f) => remote.get(f.path) === f.sha256).map((f) => f.path);
}

export async function readLocalRelease(dir: string, arch: 'x64' | 'arm64'): Promise<LocalRelease> {
  const fail = (reason: string) =>
    new ProvisionError(
      'upload',
      reason,
      'Build the agent with "npm run build" (or pass --release DIR pointing at a build).',
    );
  let version: string;
  try {
    version = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')).version;
  } catch {
    throw fail(`${dir} is not an agent build (no readable package.json)`);
  }
  if (typeof version !== 'string' || !version) throw fail(`${dir}/package.json has no version`);
  const paths = (await readdir(dir, { recursive: true, withFileTypes: true }))
    .filter((d) => d.isFile())
    .map((d) => relative(dir, join(d.parentPath, d.name)).split('\\').join('/'))
    .filter((p) => p !== LAYOUT.manifest && wantedOnVps(p, arch));
  if (!paths.includes('mono-agent.js')) throw fail(`${dir} has no mono-agent.js`);
  if (!paths.some((p) => ADDON.test(p)))
    throw fail(`${dir} has no SurrealDB addon for linux-${arch} (surrealdb-node.linux-${arch}-gnu.node)`);
  const files = await Promise.all(
    paths.map(async (path) => {
      const absolute = join(dir, path);
      const data = await readFile(absolute);
      return { path, absolute, size: data.length, sha256: createHash('sha256').update(data).digest('hex') };
    }),
  );
  files.sort((a, b) => (a.path < b.path ? -1 : 1));
  return { dir, version, arch, files, manifest: manifestOf(files) };
}

const archives = new Map<string, Promise<Buffer>>();

/**
 * The gzipped tar of some of a release's files plus its manifest. A fleet sends the same archive to many hosts,
 * so the last few are kept (by release and file set) instead of compressed again per host.
 */
export function releaseArchive(release: LocalRelease, files: ReleaseFile[]): Promise<Buffer> {
  const key = `${release.dir}\0${release.manifest}\0${files.map((f) => f.path).join('\0')}`;
  let archive = archives.get(key);
  if (!archive) {
    archive = (async () => {
      const entries = await Promise.all(
        files.map(async (f) => ({ name: f.path, data: await readFile(f.absolute) })),
      );
      entries.push({ name: LAYOUT.manifest, data: Buffer.from(release.manifest) });
      return gzipAsync(createTar(entries), { level: 1 });
    })();
    archive.catch(() => archives.delete(key));
    archives.set(key, archive);
    while (archives.size > 4) archives.delete(archives.keys().next().value!);
  }
  return archive;
}
