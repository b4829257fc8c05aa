// The disposable VPS: a Debian 12 root file system booted with systemd-nspawn (real systemd, real sshd) in its
// own network namespace, reachable from the host over a veth pair. Every VPS is thrown away by stop().
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { createReadStream, rmSync } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';
import { promisify } from 'node:util';

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

async function sh(cmd: string, args: string[]): Promise<void> {
  await run(cmd, args, { timeout: 30_000 });
}

/** Claims a free /30 by creating its veth pair (creation is atomic, so parallel test processes never collide). */
async function claimLink(): Promise<number> {
  const start = 1 + ((process.pid * 7) % 240);
  for (let i = 0; i < 250; i++) {
    const n = 1 + ((start + i) % 250);
    try {
      await sh('ip', ['link', 'add', `mvh${n}`, 'type', 'veth', 'peer', 'name', `mvv${n}`]);
      return n;
    } catch {}
  }
  throw new Error('no free veth name mvh1..mvh250');
}

/** Live VPSes of this process: if it dies without stop() (a crash), they are powered off on exit anyway. */
const live = new Set<Vps>();
process.once('exit', () => {
  for (const vps of live) vps.stopSync();
});

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export class Vps {
  readonly log: string[] = [];

  private constructor(
    readonly n: number,
    /** The VPS's address (the SSH target). */
    readonly host: string,
    /** The host side of the veth pair: where the VPS reaches the mirror and the fakes. */
    readonly hostIp: string,
    readonly netns: string,
    readonly keysDir: string,
    private readonly key: TestKey,
    private proc: ChildProcess | undefined,
  ) {}

  /** Boots a fresh VPS (overlay: nothing it writes survives stop()); resolves once sshd accepts our key. */
  static async boot(key: TestKey): Promise<Vps> {
    const { rootfs } = await ensureFixtures();
    const n = await claimLink();
    const netns = `mono-vps-${n}`;
    const host = `10.231.${n}.2`;
    const hostIp = `10.231.${n}.1`;
    const keysDir = await mkdtemp(join(tmpdir(), `mono-vps-${n}-`));
    const vps = new Vps(n, host, hostIp, netns, keysDir, key, undefined);
    try {
      await sh('ip', ['netns', 'add', netns]);
      await sh('ip', ['link', 'set', `mvv${n}`, 'netns', netns]);
      await sh('ip', ['addr', 'add', `${hostIp}/30`, 'dev', `mvh${n}`]);
      await sh('ip', ['link', 'set', `mvh${n}`, 'up']);
      await sh('ip', ['-n', netns, 'addr', 'add', `${host}/30`, 'dev', `mvv${n}`]);
      await sh('ip', ['-n', netns, 'link', 'set', `mvv${n}`, 'up']);
      await sh('ip', ['-n', netns, 'link', 'set', 'lo', 'up']);
      await chmod(keysDir, 0o755);
      await vps.writeHostKey();
      await copyFile(`${key.identity}.pub`, join(keysDir, 'authorized_keys'));
      await chmod(join(keysDir, 'authorized_keys'), 0o644);
      const proc = spawn(
        'systemd-nspawn',
        [
          '-q',
          '-D',
          rootfs,
          '-b',
          '--volatile=overlay',
          '--register=no',
          '--keep-unit',
          `--network-namespace-path=/run/netns/${netns}`,
          `--machine=mono-vps-${n}`,
          '--hostname=vps',
          `--bind-ro=${keysDir}:/etc/ssh/mono-test`,
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      vps.proc = proc;
      live.add(vps);
      const keep = (chunk: Buffer) => {
        vps.log.push(chunk.toString());
        if (vps.log.length > 400) vps.log.splice(0, 100);
      };
      proc.stdout?.on('data', keep);
      proc.stderr?.on('data', keep);
      await vps.waitForSsh(45_000);
      return vps;
    } catch (error) {
      await vps.stop();
      throw new Error(`VPS ${n} did not boot: ${(error as Error).message}\n${vps.log.join('').slice(-2000)}`);
    }
  }

  private async writeHostKey(): Promise<void> {
    const file = join(this.keysDir, 'ssh_host_ed25519_key');
    await rm(file, { force: true });
    await rm(`${file}.pub`, { force: true });
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'vps', '-f', file]);
  }

  private async waitForSsh(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      if (this.proc?.exitCode !== null && this.proc?.exitCode !== undefined)
        throw new Error(`systemd-nspawn exited with ${this.proc.exitCode}`);
      const r = await this.ssh('true', { user: 'root', timeoutS: 2 });
      if (r.code === 0) return;
      last = r.stderr.trim();
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`sshd did not answer within ${timeoutMs} ms (${last})`);
  }

  /** Runs a shell command on the VPS with OpenSSH's client (independent of the code under test). */
  async ssh(
    command: string,
    o: { user?: string; timeoutS?: number; stdin?: Buffer } = {},
  ): Promise<ExecResult> {
    return new Promise((resolve) => {
      const child = execFile(
        'ssh',
        [
          '-i',
          this.key.identity,
          '-o',
          'BatchMode=yes',
          '-o',
          'StrictHostKeyChecking=no',
          '-o',
          'UserKnownHostsFile=/dev/null',
          '-o',
          'LogLevel=ERROR',
          '-o',
          `ConnectTimeout=${o.timeoutS ?? 5}`,
          `${o.user ?? 'root'}@${this.host}`,
          command,
        ],
        { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 },
        (error, stdout, stderr) => {
          const code = error
            ? typeof (error as { code?: unknown }).code === 'number'
              ? (error as { code: number }).code
              : 255
            : 0;
          resolve({ code, stdout: String(stdout), stderr: String(stderr) });
        },
      );
      child.stdin?.end(o.stdin);
    });
  }

  /** Like ssh(), but fails the test on a non-zero exit. */
  async must(command: string, stdin?: Buffer): Promise<string> {
    const r = await this.ssh(command, { stdin });
    if (r.code !== 0) throw new Error(`on the VPS: ${command} → exit ${r.code}: ${r.stderr}`);
    return r.stdout;
  }

  /** Gives the VPS a new host key (as a rebuilt server or a man in the middle would have). */
  async rotateHostKey(): Promise<void> {
    await this.writeHostKey();
    await this.must('systemctl restart ssh');
    await this.waitForSsh(15_000);
  }

  /** Last resort from an exit handler: no awaiting, so signal, wait a little and delete synchronously. */
  stopSync(): void {
    const pid = this.proc?.pid;
    if (pid && this.proc?.exitCode === null) {
      this.proc.kill('SIGTERM');
      spawnSync('sh', [
        '-c',
        `for i in $(seq 50); do kill -0 ${pid} 2>/dev/null || exit 0; sleep 0.1; done; kill -9 ${pid}`,
      ]);
    }
    spawnSync('ip', ['netns', 'del', this.netns]);
    spawnSync('ip', ['link', 'del', `mvh${this.n}`]);
    rmSync(this.keysDir, { recursive: true, force: true });
  }

  /** Powers the VPS off and removes its namespace, veth pair and files; safe to call twice. */
  async stop(): Promise<void> {
    live.delete(this);
    const proc = this.proc;
    this.proc = undefined;
    if (proc && proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise<void>((r) => proc.once('exit', () => r()));
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    await run('ip', ['netns', 'del', this.netns]).catch(() => {});
    await run('ip', ['link', 'del', `mvh${this.n}`]).catch(() => {});
    await rm(this.keysDir, { recursive: true, force: true });
  }
}

/** Boots `count` VPSes in parallel; if one fails, the others are stopped too. */
export async function bootMany(key: TestKey, count: number): Promise<Vps[]> {
  const results = await Promise.allSettled(Array.from({ length: count }, () => Vps.boot(key)));
  const ok = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) {
    await Promise.all(ok.map((v) => v.stop()));
    throw (failed as PromiseRejectedResult).reason;
  }
  return ok;
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
 * `broken`: the same build whose entry exits at once, so it can never pass a health check.
 */
export function buildRelease(version: string, o: { broken?: boolean } = {}): Promise<string> {
  const id = `${version}${o.broken ? '-broken' : ''}`;
  let build = builds.get(id);
  if (!build) {
    build = (async () => {
      const root = await agentSource();
      const out = await mkdtemp(join(tmpdir(), `mono-release-${id}-`));
      await run(process.execPath, [join(root, 'agent-core/build.mjs'), '--out', out, '--version', version], {
        cwd: root,
        timeout: 120_000,
      });
      if (o.broken)
        await writeFile(
          join(out, 'mono-agent.js'),
          "console.error('mono-agent: this release is broken on purpose');\nprocess.exit(3);\n",
        );
      return out;
    })();
    builds.set(id, build);
  }
  return build;
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
