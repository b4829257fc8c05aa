// Remote commands that run long, as the desktop meets them (its services over the real provisioning adapter): a
// slow Node download shows its progress on the install screen; a backup whose command on the VPS hangs fails within
// its limit saying what ran and what to try, is stopped there, its SSH connection is closed, and the next backup
// works without restarting anything.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Secret } from '../../agent-core/config/secret.ts';
import type { BackupOverview, VpsTarget } from '../../src-main/ipc/contract.ts';
import type { Backups } from '../../src-main/services/backups.ts';
import { createInstallTracker } from '../../src-main/services/install.ts';
import { createPrefsStore } from '../../src-main/services/prefs.ts';
import type { ProvisionEvent } from '../../src-main/services/provision-adapter.ts';
import { createVpsProvision, VPS_INSTALL_STEPS } from '../../src-main/services/provision-vps.ts';
import { vpsOnlyBackups } from '../helpers/vps-only-backups.ts';
import { type AgentFakes, FAKE_ANTHROPIC_KEY, FAKE_TELEGRAM_TOKEN, startAgentFakes } from './agent-fakes.ts';
import {
  buildRelease,
  createTestKey,
  removeBuilds,
  startMirror,
  type TestKey,
  tempMonoHome,
  Vps,
} from './harness.ts';

/** The limits the desktop is given here: seconds instead of the real three minutes of silence and three hours. */
const STALL_MS = 4000;
const LIMIT_MS = 12_000;

/** An `env` ahead of /usr/bin/env for root, so `mono-agent backup` (run as `exec env … backup`) does `body`. */
function hangingBackup(body: string): Buffer {
  return Buffer.from(
    `#!/bin/sh\ncase "$*" in *"mono-agent.js backup") ${body};; esac\nexec /usr/bin/env "$@"\n`,
  );
}
const INSTALL_WRAPPER = 'cat > /usr/local/bin/env && chmod 0755 /usr/local/bin/env';

describe('a backup that hangs on the VPS', { timeout: 600_000 }, () => {
  let key: TestKey;
  let home: string;
  let vps: Vps;
  let fakes: AgentFakes;
  let backups: Backups;
  const cleanups: (() => Promise<unknown>)[] = [];
  const folder = () => join(home, 'desktop', 'backups');
  /** The first deploy's events, as the install screen's tracker received them. */
  const installEvents: ProvisionEvent[] = [];
  const install = createInstallTracker(() => {});

  /** Waits (bounded) until the operation has ended, and returns how it ended. */
  async function ended(): Promise<NonNullable<BackupOverview['progress']>> {
    const deadline = Date.now() + 90_000;
    for (;;) {
      const progress = (await backups.overview()).progress;
      if (progress && !progress.running) return progress;
      assert.ok(Date.now() < deadline, `still running after 90 s: ${JSON.stringify(progress?.steps)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** Polls a shell check on the VPS until it prints `want` (the VPS ends processes and sessions asynchronously). */
  async function settlesTo(command: string, want: string, what: string): Promise<void> {
    const deadline = Date.now() + 15_000;
    let last = '';
    while (Date.now() < deadline) {
      last = (await vps.ssh(command)).stdout.trim();
      if (last === want) return;
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.fail(`${what}: ${command} printed ${last}, not ${want}`);
  }

  before(async () => {
    const release = buildRelease('1.0.0');
    key = await createTestKey();
    home = await tempMonoHome();
    vps = await Vps.boot(key);
    cleanups.push(() => vps.stop());
    // About 8 MB/s: the Node tarball (some 28 MB) takes a few seconds, so the VPS reports progress while it comes.
    const mirror = await startMirror(vps.hostIp, 0, { bytesPerSecond: 8 * 1048576 });
    fakes = await startAgentFakes(vps.hostIp);
    cleanups.push(
      () => mirror.close(),
      () => fakes.close(),
    );
    await vps.must(`echo '${vps.hostIp} mono-fakes.test' >> /etc/hosts`);
    const port = (u: string) => new URL(u).port;
    const provision = createVpsProvision({
      releaseDir: await release,
      hubUser: 'mono_desktop',
      nodeMirror: mirror.url,
      nodeSha256: mirror.nodeSha256,
      nodeVersion: process.versions.node,
      knownHostsPath: join(home, 'known_hosts'),
      extraEnv: {
        TELEGRAM_API_ROOT: `http://mono-fakes.test:${port(fakes.telegram.url)}`,
        ANTHROPIC_BASE_URL: `http://mono-fakes.test:${port(fakes.anthropic.url)}`,
      },
      backupLimits: { stallMs: STALL_MS, timeoutMs: LIMIT_MS },
    });
    cleanups.push(() => provision.close?.() ?? Promise.resolve());
    const target: VpsTarget = { host: vps.host, user: 'root', port: 22, keyPath: key.identity };
    await provision.trustHostKey(target, (await provision.hostKey(target)).fingerprint);
    install.begin(VPS_INSTALL_STEPS);
    await provision.deploy(
      target,
      {
        anthropic_api_key: new Secret(FAKE_ANTHROPIC_KEY),
        telegram_bot_token: new Secret(FAKE_TELEGRAM_TOKEN),
        vps_hub_password: new Secret(randomBytes(18).toString('base64url')),
      },
      (event) => {
        installEvents.push(event);
        install.event(event);
      },
    );

    const prefs = createPrefsStore(join(await mkdtemp(join(tmpdir(), 'mono-hang-prefs-')), 'desktop.json'));
    prefs.update({ mode: 'vps', vps: target });
    // Only a VPS backup runs here: the local agent is never asked for.
    backups = await vpsOnlyBackups(join(home, 'desktop'), { prefs, provision, log: () => {} });
  });

  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
    await rm(home ?? '', { recursive: true, force: true });
    await rm(key?.dir ?? '', { recursive: true, force: true });
    await removeBuilds();
  });

  it('a Node download that takes a while shows how much has come, on the install screen', () => {
    const downloading = installEvents
      .filter((e) => e.step === 'node' && e.status === 'running')
      .map((e) => /^Downloading Node v[\d.]+: (\d+\.\d) MB$/.exec(e.message)?.[1])
      .filter((mb): mb is string => mb !== undefined)
      .map(Number);
    // Some 28 MB at 8 MB/s, one report a second: at least two, growing, never past the tarball.
    assert.ok(downloading.length >= 2, JSON.stringify(installEvents.filter((e) => e.step === 'node')));
    assert.ok(
      downloading.every((mb, i) => i === 0 || mb >= downloading[i - 1]!),
      downloading.join(' '),
    );
    assert.ok(downloading.at(-1)! > 0 && downloading.at(-1)! < 40, downloading.join(' '));
    // The install screen showed them as the node step's text and kept them in its log.
    const logged = install.state().log.filter((l) => /node: Downloading Node v[\d.]+: \d+\.\d MB$/.test(l));
    assert.equal(logged.length, downloading.length);
    assert.equal(install.state().steps.find((s) => s.step === 'node')?.status, 'done');
  });

  it('a backup that goes silent fails within its limit, is stopped there, and the next one succeeds', async () => {
    // It starts (a progress line), then never sends anything again.
    await vps.must(
      INSTALL_WRAPPER,
      hangingBackup(`echo '{"type":"progress","rows":0,"total":9}' >&2; exec sleep 3600`),
    );
    const started = Date.now();
    await backups.run();
    const failed = await ended();
    const took = Date.now() - started;
    assert.equal(failed.kind, 'backup');
    assert.equal(failed.error?.step, 'backup', JSON.stringify(failed));
    assert.match(
      failed.error?.message ?? '',
      /the agent’s backup \(mono-agent backup\) sent nothing for 4 s and was stopped\. Nothing was written here\. Check the VPS over SSH .*then back up again/,
    );
    // The silence limit plus connecting and the 2 s the channel gets to close; far from the hour it would sleep.
    assert.ok(took < 30_000, `failed after ${took} ms`);
    await settlesTo('pgrep -fc "sleep 360[0]" || true', '0', 'the hung command was stopped on the VPS');
    // Only the connection that asks is left: the backup's SSH session was closed.
    await settlesTo(
      "ss -Htn state established '( sport = :22 )' | wc -l",
      '1',
      'the backup’s SSH connection was closed',
    );
    assert.deepEqual(await readdir(folder()), [], 'no partial file is left');

    // Once the VPS is fixed, Back up now works again at once: nothing says "running already".
    await vps.must('rm /usr/local/bin/env');
    await backups.run();
    const done = await ended();
    assert.equal(done.error, undefined, JSON.stringify(done.error));
    assert.match(done.result ?? '', /^Backed up /);
    assert.equal((await readdir(folder())).filter((n) => n.endsWith('.monobak')).length, 1);
  });

  it('a backup that keeps talking but never ends is stopped at its whole-run limit', async () => {
    await vps.must(
      INSTALL_WRAPPER,
      hangingBackup(`while :; do echo '{"type":"progress","rows":0,"total":9}' >&2; sleep 1; done`),
    );
    const started = Date.now();
    await backups.run();
    const failed = await ended();
    const took = Date.now() - started;
    assert.equal(failed.error?.step, 'backup', JSON.stringify(failed));
    assert.match(
      failed.error?.message ?? '',
      /the agent’s backup \(mono-agent backup\) did not finish within 12 s and was stopped/,
    );
    assert.ok(took >= LIMIT_MS && took < 45_000, `failed after ${took} ms`);
    await settlesTo(
      'pgrep -fc "mono-agent.js backu[p]" || true',
      '0',
      'the looping command was stopped on the VPS',
    );
    await vps.must('rm /usr/local/bin/env');
    await backups.run();
    assert.equal((await ended()).error, undefined);
  });
});
