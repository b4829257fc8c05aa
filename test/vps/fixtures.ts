// Fixtures for the disposable VPS tests: the cached root file system and Node mirror, test keys, the mirror
// servers on the veth peers, agent builds, and a throwaway MONO home.
import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';
import { promisify } from 'node:util';
import type { Vps } from './harness.ts';

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

/** Serves the Node mirror (v<version>/node-v…-linux-x64.tar.xz + SHASUMS256.txt) on one address; port 0 picks one. */
export async function startMirror(
  host: string,
  port = 0,
): Promise<{ url: string; port: number; requests: string[]; close(): Promise<void> }> {
  const { mirror } = await ensureFixtures();
  const requests: string[] = [];
  const server: Server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    requests.push(path);
    const file = join(mirror, path);
    const info = file.startsWith(mirror) ? await stat(file).catch(() => undefined) : undefined;
    if (!info?.isFile()) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-length': info.size });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${bound}`,
    port: bound,
    requests,
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
  fleet: Vps[],
): Promise<{ url: string; requests: string[]; close(): Promise<void> }> {
  const first = await startMirror(fleet[0]!.hostIp);
  const rest = await Promise.all(fleet.slice(1).map((v) => startMirror(v.hostIp, first.port)));
  const all = [first, ...rest];
  await Promise.all(fleet.map((v) => v.must(`echo '${v.hostIp} mono-mirror.test' >> /etc/hosts`)));
  return {
    url: `http://mono-mirror.test:${first.port}`,
    get requests() {
      return all.flatMap((m) => m.requests);
    },
    close: async () => {
      await Promise.all(all.map((m) => m.close()));
    },
  };
}

const builds = new Map<string, Promise<string>>();
let source: Promise<string> | undefined;

/**
 * The agent sources to build from: the last commit (git archive), so a teammate's half-saved file in the shared
 * working tree cannot break these tests. MONO_VPS_AGENT_SOURCE=worktree builds the working tree instead, any
 * other value is taken as a git revision.
 */
function agentSource(): Promise<string> {
  source ??= (async () => {
    const rev = process.env.MONO_VPS_AGENT_SOURCE ?? 'HEAD';
    if (rev === 'worktree') return REPO;
    const dir = await mkdtemp(join(tmpdir(), 'mono-agent-src-'));
    await run('sh', ['-c', `git -C ${REPO} archive ${rev} agent-core package.json | tar -x -C ${dir}`], {
      timeout: 60_000,
    });
    await symlink(join(REPO, 'node_modules'), join(dir, 'node_modules'));
    return dir;
  })();
  return source;
}

/**
 * A release of the real agent with the given version (`node agent-core/build.mjs --out DIR --version X`).
 * `broken`: a copy of another build whose entry exits at once (so it never passes a health check), with its
 * own version in package.json — no second bundling, which costs seconds on a busy machine.
 */
export function buildRelease(version: string, o: { broken?: boolean } = {}): Promise<string> {
  const id = `${version}${o.broken ? '-broken' : ''}`;
  let build = builds.get(id);
  if (!build) {
    build = o.broken ? brokenCopy(version, id) : bundle(version, id);
    builds.set(id, build);
  }
  return build;
}

async function bundle(version: string, id: string): Promise<string> {
  const root = await agentSource();
  const out = await mkdtemp(join(tmpdir(), `mono-release-${id}-`));
  try {
    await run(process.execPath, [join(root, 'agent-core/build.mjs'), '--out', out, '--version', version], {
      cwd: root,
      timeout: 120_000,
    });
  } catch (error) {
    await rm(out, { recursive: true, force: true });
    throw error;
  }
  return out;
}

async function brokenCopy(version: string, id: string): Promise<string> {
  const good = [...builds.entries()].find(([k]) => !k.endsWith('-broken'))?.[1] ?? buildRelease('0.0.0-base');
  const from = await good;
  const out = await mkdtemp(join(tmpdir(), `mono-release-${id}-`));
  await cp(from, out, { recursive: true });
  const pkg = JSON.parse(await readFile(join(out, 'package.json'), 'utf8')) as Record<string, unknown>;
  await writeFile(join(out, 'package.json'), `${JSON.stringify({ ...pkg, version }, null, 2)}\n`);
  await writeFile(
    join(out, 'mono-agent.js'),
    "console.error('mono-agent: this release is broken on purpose');\nprocess.exit(3);\n",
  );
  return out;
}

export async function removeBuilds(): Promise<void> {
  for (const b of builds.values())
    await rm(await b.catch(() => ''), { recursive: true, force: true }).catch(() => {});
  builds.clear();
  const src = await source?.catch(() => undefined);
  if (src && src !== REPO) await rm(src, { recursive: true, force: true });
  source = undefined;
}

/** A fresh MONO home (known_hosts) per test, so pinned keys never leak between tests. */
export async function tempMonoHome(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mono-home-'));
  await mkdir(dir, { recursive: true });
  return dir;
}
