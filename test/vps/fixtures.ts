// Fixtures for the disposable VPS tests: the cached root file system and Node mirror, test keys, the mirror
// servers on the veth peers, agent builds, and a throwaway MONO home.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';
import { promisify } from 'node:util';
import { testTls } from './tls.ts';

export { testTls };

const run = promisify(execFile);
export const REPO = new URL('../../', import.meta.url).pathname;
export const CACHE = process.env.MONO_TEST_CACHE ?? '/var/cache/mono-test';

let fixtures: Promise<{ rootfs: string; mirror: string; nodeVersion: string }> | undefined;

/** Builds (once per machine, cached) or finds the root file system and the Node mirror. */
export function ensureFixtures(): Promise<{ rootfs: string; mirror: string; nodeVersion: string }> {
  fixtures ??= (async () => {
    await run('bash', [join(REPO, '.ci/prepare.d/10-vps-rootfs.sh')], {
      env: { ...process.env, MONO_TEST_CACHE: CACHE },
      timeout: 600_000,
    });
    const rootfs = (await readFile(join(CACHE, 'vps-rootfs.path'), 'utf8')).trim();
    if (!rootfs || !(await stat(join(rootfs, '.mono-ready')).catch(() => undefined)))
      throw new Error(`no VPS root file system at "${rootfs}": run .ci/prepare.d/10-vps-rootfs.sh`);
    return { rootfs, mirror: join(CACHE, 'node-mirror'), nodeVersion: process.versions.node };
  })();
  return fixtures;
}

/** An ed25519 client key for the tests (authorized for root, deployer and nosudo on every VPS). */
export interface TestKey {
  dir: string;
  identity: string;
  publicKey: string;
}

export async function createTestKey(): Promise<TestKey> {
  const dir = await mkdtemp(join(tmpdir(), 'mono-vps-key-'));
  const identity = join(dir, 'id_ed25519');
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'mono-test', '-f', identity]);
  return { dir, identity, publicKey: await readFile(`${identity}.pub`, 'utf8') };
}

/** The repacked Node tarball's SHA-256, computed here from the file (never taken from the mirror's own list). */
export async function mirrorNodeSha256(): Promise<string> {
  const { mirror, nodeVersion } = await ensureFixtures();
  const data = await readFile(join(mirror, `v${nodeVersion}`, `node-v${nodeVersion}-linux-x64.tar.xz`));
  return createHash('sha256').update(data).digest('hex');
}

/**
 * Serves the Node mirror (v<version>/node-v…-linux-x64.tar.xz) over https on one address; port 0 picks one.
 * The tarball is this machine's node repacked, not the official one: tests pin its hash explicitly
 * (`nodeSha256`), as an operator with their own build would.
 */
export async function startMirror(
  host: string,
  port = 0,
  /** Sends files at about this rate (a slow link, so the download reports progress while it runs). */
  o: { bytesPerSecond?: number } = {},
): Promise<{ url: string; port: number; requests: string[]; nodeSha256: string; close(): Promise<void> }> {
  const { mirror } = await ensureFixtures();
  const tls = await testTls();
  const requests: string[] = [];
  const server: Server = createServer({ key: tls.key, cert: tls.cert }, async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    requests.push(path);
    const file = join(mirror, path);
    const info = file.startsWith(mirror) ? await stat(file).catch(() => undefined) : undefined;
    if (!info?.isFile()) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-length': info.size });
    const source = createReadStream(file);
    const rate = o.bytesPerSecond;
    if (!rate) {
      source.pipe(res);
      return;
    }
    source.on('data', (chunk) => {
      source.pause();
      res.write(chunk);
      setTimeout(() => source.resume(), (chunk.length / rate) * 1000);
    });
    source.on('end', () => res.end());
    res.on('close', () => source.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `https://${host}:${bound}`,
    port: bound,
    requests,
    nodeSha256: await mirrorNodeSha256(),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/**
 * One mirror URL for a whole fleet (as a real fleet shares one --node-mirror): every VPS reaches only its own
 * veth peer, so the mirror listens on each peer address with the same port, and each VPS resolves the name
 * mono-mirror.test to its own peer in /etc/hosts (its overlay, thrown away with it).
 */
export async function startFleetMirror(
  fleet: { hostIp: string; must(command: string): Promise<string> }[],
): Promise<{
  url: string;
  /** The same mirror as this machine reaches it (the name above resolves on the VPSes only). */
  localUrl: string;
  requests: string[];
  nodeSha256: string;
  close(): Promise<void>;
}> {
  const first = await startMirror(fleet[0]!.hostIp);
  const rest = await Promise.all(fleet.slice(1).map((v) => startMirror(v.hostIp, first.port)));
  const all = [first, ...rest];
  await Promise.all(fleet.map((v) => v.must(`echo '${v.hostIp} mono-mirror.test' >> /etc/hosts`)));
  return {
    url: `https://mono-mirror.test:${first.port}`,
    localUrl: first.url,
    nodeSha256: first.nodeSha256,
    get requests() {
      return all.flatMap((m) => m.requests);
    },
    close: async () => {
      await Promise.all(all.map((m) => m.close()));
    },
  };
}

export { buildRelease, type Fault, removeBuilds } from './releases.ts';

/** A fresh MONO home (known_hosts) per test, so pinned keys never leak between tests. */
export async function tempMonoHome(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mono-home-'));
  await mkdir(dir, { recursive: true });
  return dir;
}
