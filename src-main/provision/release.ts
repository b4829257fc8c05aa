// The release on this machine (what `npm run build` made): its version and content id, the files one VPS needs,
// their checksums, and the archives uploads stream from disk.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { ProvisionError } from './errors.ts';
import { LAYOUT } from './layout.ts';
import { tarStream } from './tar.ts';

export interface ReleaseFile {
  /** Path inside the release, with forward slashes. */
  path: string;
  absolute: string;
  size: number;
  sha256: string;
}

export interface LocalRelease {
  dir: string;
  /** The release's name on the VPS: its version and a hash of its content (see releaseId). */
  id: string;
  version: string;
  arch: 'x64' | 'arm64';
  files: ReleaseFile[];
  /** sha256sum format, sorted by path: what the VPS checks the upload against. */
  manifest: string;
  /** The agent accepts its HTTP socket from systemd (socket activation), so the unit may hold the port. */
  socketActivation: boolean;
}

/**
 * A release is named by its version and its content: a build patched without a version bump is another
 * release in another directory, so a deploy never writes over the files of the release that runs.
 */
export function releaseId(version: string, manifest: string): string {
  return `${version}+${createHash('sha256').update(manifest).digest('hex').slice(0, 12)}`;
}

/** The version part of a release id (a bare version, from before releases were named by content, is itself). */
export function versionOf(id: string): string {
  return id.replace(/\+[0-9a-f]{12}$/, '');
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

/** What hashing a file found: its size, SHA-256, and whether it is a bundle file that takes systemd's socket. */
interface FileFacts {
  size: number;
  sha256: string;
  listenFds: boolean;
}

async function hashFile(absolute: string): Promise<FileFacts> {
  const hash = createHash('sha256');
  let size = 0;
  let listenFds = false;
  let tail = '';
  for await (const chunk of createReadStream(absolute)) {
    const buffer = chunk as Buffer;
    hash.update(buffer);
    size += buffer.length;
    // The HTTP server may sit in any code-split chunk; the marker may straddle two reads.
    if (absolute.endsWith('.js') && !listenFds) {
      const text = tail + buffer.toString('latin1');
      listenFds = text.includes('LISTEN_FDS');
      tail = text.slice(-16);
    }
  }
  return { size, sha256: hash.digest('hex'), listenFds };
}

/**
 * A build on this machine, read once however many hosts receive it: each file is hashed once (streamed, never
 * held in memory), and each archive (a set of files) is packed once, to a temporary file every upload streams.
 */
export class ReleaseSource {
  private readonly hashes = new Map<string, Promise<FileFacts>>();
  private readonly releases = new Map<string, Promise<LocalRelease>>();
  private readonly archives = new Map<string, Promise<{ path: string; bytes: number }>>();
  private work: Promise<string> | undefined;

  constructor(readonly dir: string) {}

  forArch(arch: 'x64' | 'arm64'): Promise<LocalRelease> {
    let release = this.releases.get(arch);
    if (!release) {
      release = this.read(arch);
      release.catch(() => this.releases.delete(arch));
      this.releases.set(arch, release);
    }
    return release;
  }

  /** The gzipped tar of some of a release's files plus its manifest, packed once, on disk. */
  archive(release: LocalRelease, files: ReleaseFile[]): Promise<{ path: string; bytes: number }> {
    const key = createHash('sha256')
      .update(`${release.manifest}\0${files.map((f) => f.path).join('\0')}`)
      .digest('hex')
      .slice(0, 16);
    let archive = this.archives.get(key);
    if (!archive) {
      archive = (async () => {
        this.work ??= mkdtemp(join(tmpdir(), 'mono-release-archive-'));
        const path = join(await this.work, `${key}.tar.gz`);
        const entries = [
          ...files.map((f) => ({ name: f.path, size: f.size, path: f.absolute })),
          {
            name: LAYOUT.manifest,
            size: Buffer.byteLength(release.manifest),
            data: Buffer.from(release.manifest),
          },
        ];
        await pipeline(tarStream(entries), createGzip({ level: 1 }), createWriteStream(`${path}.partial`));
        await rename(`${path}.partial`, path);
        return { path, bytes: (await stat(path)).size };
      })();
      archive.catch(() => this.archives.delete(key));
      this.archives.set(key, archive);
    }
    return archive;
  }

  /** Removes the packed archives. */
  async close(): Promise<void> {
    const work = await this.work?.catch(() => undefined);
    if (work) await rm(work, { recursive: true, force: true });
    this.work = undefined;
    this.archives.clear();
  }

  private hash(absolute: string): Promise<FileFacts> {
    let facts = this.hashes.get(absolute);
    if (!facts) {
      facts = hashFile(absolute);
      this.hashes.set(absolute, facts);
    }
    return facts;
  }

  private async read(arch: 'x64' | 'arm64'): Promise<LocalRelease> {
    const dir = this.dir;
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
    // A few files at a time: hashing streams, so memory stays flat whatever the release's size.
    const facts: FileFacts[] = [];
    for (let i = 0; i < paths.length; i += 8)
      facts.push(...(await Promise.all(paths.slice(i, i + 8).map((p) => this.hash(join(dir, p))))));
    const files = paths
      .map((path, i) => ({ path, absolute: join(dir, path), size: facts[i]!.size, sha256: facts[i]!.sha256 }))
      .sort((a, b) => (a.path < b.path ? -1 : 1));
    const manifest = manifestOf(files);
    return {
      dir,
      id: releaseId(version, manifest),
      version,
      arch,
      files,
      manifest,
      socketActivation: facts.some((f) => f.listenFds),
    };
  }
}

/** One build for one architecture (a single deploy; a fleet shares a ReleaseSource instead). */
export function readLocalRelease(dir: string, arch: 'x64' | 'arm64'): Promise<LocalRelease> {
  return new ReleaseSource(dir).forArch(arch);
}
