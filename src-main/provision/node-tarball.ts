// The Node runtime fetched once on this machine, for every host of a run that needs it: over https only, its
// SHA-256 checked against the pinned (or given) hash before any host receives it, and kept in MONO's cache for
// the next run. Each host checks the hash again before unpacking.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { get } from 'node:https';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { rootCertificates } from 'node:tls';
import {
  expectedNodeSha256,
  NODE_DOWNLOAD_S,
  type NodeArch,
  nodeTarballName,
} from './commands/node-runtime.ts';
import { ProvisionError } from './errors.ts';

export interface NodeTarball {
  path: string;
  size: number;
  sha256: string;
}

export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.MONO_HOME ?? join(homedir(), '.mono'), 'cache', 'node');
}

export class NodeTarballs {
  /** How many tarballs this run downloaded (a cached, verified one counts none). */
  downloads = 0;
  private readonly fetched = new Map<NodeArch, Promise<NodeTarball>>();

  constructor(
    readonly o: {
      mirror: string;
      version: string;
      /** Overrides MONO's pin (required for a version MONO does not pin). */
      sha256?: string;
      /** A private mirror's certificate authority (PEM), trusted besides the usual ones. */
      ca?: string;
      cacheDir?: string;
      onProgress?: (arch: NodeArch, bytes: number) => void;
    },
  ) {}

  get(arch: NodeArch): Promise<NodeTarball> {
    let tarball = this.fetched.get(arch);
    if (!tarball) {
      tarball = this.fetch(arch);
      tarball.catch(() => this.fetched.delete(arch));
      this.fetched.set(arch, tarball);
    }
    return tarball;
  }

  private async fetch(arch: NodeArch): Promise<NodeTarball> {
    const version = this.o.version.replace(/^v/, '');
    const sha256 = expectedNodeSha256(version, arch, this.o.sha256);
    const name = nodeTarballName(version, arch);
    const dir = this.o.cacheDir ?? defaultCacheDir();
    const path = join(dir, name);
    const cached = await stat(path).catch(() => undefined);
    if (cached && (await sha256Of(path)) === sha256) return { path, size: cached.size, sha256 };
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const url = `${this.o.mirror.replace(/\/+$/, '')}/v${version}/${name}`;
    const partial = `${path}.${process.pid}.partial`;
    try {
      const hash = createHash('sha256');
      let bytes = 0;
      const body = await download(url, this.o.ca);
      body.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        bytes += chunk.length;
        this.o.onProgress?.(arch, bytes);
      });
      await pipeline(body, createWriteStream(partial, { mode: 0o600 }));
      this.downloads++;
      const actual = hash.digest('hex');
      if (actual !== sha256)
        throw new ProvisionError(
          'node',
          `checksum mismatch for ${name} from ${this.o.mirror}: expected ${sha256}, got ${actual}`,
          'The download is not the Node release MONO expects: the mirror is broken or tampered with. Use another --node-mirror, or pass --node-sha256 if you checked this build yourself.',
        );
      await rename(partial, path);
      return { path, size: bytes, sha256 };
    } finally {
      await rm(partial, { force: true });
    }
  }
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** GET over https only (redirects too), with connect and total deadlines; resolves with the body stream. */
function download(url: string, ca: string | undefined, redirects = 5): Promise<NodeJS.ReadableStream> {
  const fail = (reason: string) =>
    new ProvisionError(
      'node',
      `cannot download ${url}: ${reason}`,
      'Check that this machine reaches the Node mirror over https (or name another with --node-mirror).',
    );
  return new Promise((resolve, reject) => {
    if (!url.startsWith('https://')) {
      reject(fail('not an https URL'));
      return;
    }
    const request = get(url, { ca: ca ? [...rootCertificates, ca] : undefined, timeout: 15_000 }, (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location && redirects > 0) {
        res.resume();
        resolve(download(new URL(res.headers.location, url).toString(), ca, redirects - 1));
        return;
      }
      if (status !== 200) {
        res.resume();
        reject(fail(`HTTP ${status}`));
        return;
      }
      const deadline = setTimeout(
        () => res.destroy(fail(`not finished within ${NODE_DOWNLOAD_S} s`)),
        NODE_DOWNLOAD_S * 1000,
      );
      res.once('close', () => clearTimeout(deadline));
      resolve(res);
    });
    request.on('timeout', () => request.destroy(fail('no answer within 15 s')));
    request.on('error', (error) => reject(error instanceof ProvisionError ? error : fail(error.message)));
  });
}
