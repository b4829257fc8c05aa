// The disposable VPS: a Debian 12 root file system booted with systemd-nspawn (real systemd, real sshd) in its
// own network namespace, reachable from the host over a veth pair. Every VPS is thrown away by stop().
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { chmod, copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ensureFixtures, type TestKey } from './fixtures.ts';
import { testTls } from './tls.ts';

export * from './fixtures.ts';

const run = promisify(execFile);

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
  /** How systemd-nspawn was started (kept to boot again after a reboot). */
  private boot?: { root: string; volatile: boolean; extra: string[] };
  /** For a persistent VPS: the host-side overlay (upper, work, merged) that survives its reboots. */
  private stateDir?: string;

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

  /**
   * Boots a fresh VPS (overlay: nothing it writes survives stop()); resolves once sshd accepts our key.
   * `persistent`: its overlay lives on the host instead of in the container's tmpfs, so it survives reboot().
   */
  static async boot(key: TestKey, o: { persistent?: boolean } = {}): Promise<Vps> {
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
      let root = rootfs;
      if (o.persistent) {
        vps.stateDir = await mkdtemp(join(tmpdir(), `mono-vps-state-${n}-`));
        const [upper, work, merged] = ['upper', 'work', 'merged'].map((d) => join(vps.stateDir!, d));
        await sh('mkdir', ['-p', upper!, work!, merged!]);
        await sh('mount', [
          '-t',
          'overlay',
          'overlay',
          '-o',
          `lowerdir=${rootfs},upperdir=${upper},workdir=${work}`,
          merged!,
        ]);
        root = merged!;
      }
      // Where systemd is PID 1 it can give the container a scope of its own (over D-Bus); a bare container
      // host (no systemd) keeps it in the test's cgroup. If the scope cannot be had, fall back to keeping it.
      const variants = existsSync('/run/systemd/system') ? [[], ['--keep-unit']] : [['--keep-unit']];
      for (const [i, variant] of variants.entries()) {
        vps.boot = { root, volatile: !o.persistent, extra: variant };
        vps.start();
        try {
          await vps.waitForSsh(45_000);
          // The test mirror's CA, as an operator with a private mirror would add theirs (the overlay forgets it).
          await vps.must('cat >> /etc/ssl/certs/ca-certificates.crt', Buffer.from((await testTls()).ca));
          return vps;
        } catch (error) {
          const early = vps.proc?.exitCode !== null && vps.proc?.exitCode !== undefined;
          if (!early || i === variants.length - 1) throw error;
          vps.proc = undefined;
        }
      }
      throw new Error('unreachable');
    } catch (error) {
      await vps.stop();
      throw new Error(`VPS ${n} did not boot: ${(error as Error).message}\n${vps.log.join('').slice(-2000)}`);
    }
  }

  private start(): void {
    const { root, volatile, extra } = this.boot!;
    const proc = spawn(
      'systemd-nspawn',
      [
        '-q',
        '-D',
        root,
        '-b',
        ...(volatile ? ['--volatile=overlay'] : []),
        '--register=no',
        ...extra,
        `--network-namespace-path=/run/netns/${this.netns}`,
        `--machine=mono-vps-${this.n}`,
        '--hostname=vps',
        `--bind-ro=${this.keysDir}:/etc/ssh/mono-test`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.proc = proc;
    live.add(this);
    const keep = (chunk: Buffer) => {
      this.log.push(chunk.toString());
      if (this.log.length > 400) this.log.splice(0, 100);
    };
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', keep);
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

  /** Reboots a persistent VPS (systemctl reboot inside, then the same container boots again on its disk). */
  async reboot(): Promise<void> {
    if (!this.stateDir || !this.proc)
      throw new Error('only a VPS booted with { persistent: true } can reboot');
    const proc = this.proc;
    const exited = new Promise<void>((r) => proc.once('exit', () => r()));
    await this.ssh('systemctl reboot', { timeoutS: 5 });
    const timer = setTimeout(() => proc.kill('SIGKILL'), 60_000);
    await exited;
    clearTimeout(timer);
    this.start();
    await this.waitForSsh(90_000);
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
    if (this.stateDir) {
      spawnSync('umount', ['-l', join(this.stateDir, 'merged')]);
      rmSync(this.stateDir, { recursive: true, force: true });
    }
  }

  /** Powers the VPS off and removes its namespace, veth pair and files; safe to call twice. */
  async stop(): Promise<void> {
    live.delete(this);
    const proc = this.proc;
    // A VPS that went down by itself before the test stopped it: say so, with what systemd-nspawn printed.
    if (proc && (proc.exitCode !== null || proc.signalCode !== null))
      process.stderr.write(
        `VPS ${this.n} had stopped by itself (exit ${proc.exitCode ?? proc.signalCode}); its console:\n${this.log.join('').slice(-3000)}\n`,
      );
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
    if (this.stateDir) {
      await run('umount', ['-l', join(this.stateDir, 'merged')]).catch(() => {});
      await rm(this.stateDir, { recursive: true, force: true });
    }
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
