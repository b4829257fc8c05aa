// A fleet of five VPSes: a broken release stops at its canary before the others are touched; a good one rolls
// out to all of them with Node downloaded once; releases that crash 5 s and 30 s after answering healthy are
// caught by the canary's bake (a prebuilt release, and `mono` run from a checkout with its own build); a host
// failing after the canary passed stops the rollout within the failure budget.
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fleetDeploy } from '../../src-main/provision/index.ts';
import { type CliResult, runMono } from './cli.ts';
import {
  bootMany,
  buildRelease,
  createTestKey,
  REPO,
  removeBuilds,
  startFleetMirror,
  type TestKey,
  tempMonoHome,
  testTls,
  type Vps,
} from './harness.ts';

describe('a fleet of VPSes', { timeout: 1_500_000 }, () => {
  let key: TestKey;
  let fleet: Vps[];
  let mirror: Awaited<ReturnType<typeof startFleetMirror>>;
  let home: string;
  let hostsFile: string;
  let caFile: string;
  let good = '';
  const current = async () =>
    Promise.all(fleet.map(async (v) => (await v.must('readlink /opt/mono/current')).trim()));
  const result = (cli: CliResult) =>
    cli.events.at(-1) as {
      ok: boolean;
      outcomes: {
        host: string;
        status: string;
        canary: boolean;
        running?: string;
        release?: string;
        error?: { step: string; reason: string };
      }[];
      releases: Record<string, string[]>;
      nodeDownloads: number;
      haltedByCanary: boolean;
      haltedByBudget: boolean;
    };
  const fleetArgs = (extra: string[]) => [
    'fleet',
    'deploy',
    hostsFile,
    '-i',
    key.identity,
    '--accept-new-host-key',
    // Node goes through this machine (the default for a fleet): the mirror as this machine reaches it.
    '--node-mirror',
    mirror.localUrl,
    '--node-mirror-ca',
    caFile,
    '--node-sha256',
    mirror.nodeSha256,
    '--health-timeout',
    '30',
    ...extra,
  ];

  before(async () => {
    key = await createTestKey();
    home = await tempMonoHome();
    fleet = await bootMany(key, 5);
    mirror = await startFleetMirror(fleet);
    hostsFile = join(home, 'hosts');
    await writeFile(hostsFile, `# the test fleet\n${fleet.map((v) => `root@${v.host}`).join('\n')}\n`);
    caFile = join(home, 'mirror-ca.pem');
    await writeFile(caFile, (await testTls()).ca);
  });

  after(async () => {
    await mirror?.close();
    await Promise.allSettled((fleet ?? []).map((v) => v.stop()));
    await rm(home, { recursive: true, force: true });
    if (key) await rm(key.dir, { recursive: true, force: true });
    await removeBuilds();
  });

  it('a broken canary stops the rollout before the rest are touched', async () => {
    const done: string[] = [];
    const r = await fleetDeploy({
      targets: fleet.map((v) => ({
        host: v.host,
        identity: key.identity,
        knownHostsPath: join(home, 'known_hosts'),
        acceptNewHostKey: true,
      })),
      parallel: 4,
      canary: 1,
      releaseDir: await buildRelease('3.0.0', { broken: true }),
      nodeMirror: mirror.localUrl,
      nodeMirrorCa: (await testTls()).ca,
      nodeVersion: process.versions.node,
      nodeSha256: mirror.nodeSha256,
      bakeMs: 10_000,
      onHostDone: (o) => done.push(`${o.host}:${o.status}`),
    });
    assert.equal(r.ok, false);
    assert.equal(r.haltedByCanary, true);
    assert.deepEqual(
      r.outcomes.map((o) => o.status),
      ['failed', 'skipped', 'skipped', 'skipped', 'skipped'],
    );
    const canary = r.outcomes[0]!;
    assert.ok(canary.status === 'failed' && canary.error.step === 'health', JSON.stringify(canary));
    assert.equal(canary.running, 'nothing', 'a first install with nothing to return to is stopped');
    for (const vps of fleet.slice(1))
      assert.equal((await vps.ssh('test -e /opt/mono')).code, 1, `${vps.host} was not touched`);
    assert.equal(done.length, 5);
  });

  it('mono fleet deploy rolls a good release out to every host; Node is downloaded once for the whole run', async () => {
    // One host already has a Node of its own (as many VPS images do): it is reused, not sent again.
    const own = fleet[4]!;
    await own.must(
      'cat > /usr/local/bin/node && chmod 0755 /usr/local/bin/node',
      await readFile(process.execPath),
    );
    const before = mirror.requests.filter((p) => p.endsWith('.tar.xz')).length;
    const cli = await runMono(
      fleetArgs([
        '--json',
        '--parallel',
        '4',
        '--canary',
        '1',
        '--bake',
        '10',
        '--release',
        await buildRelease('3.0.1'),
      ]),
      { MONO_HOME: home },
      900_000,
    );
    const r = result(cli);
    assert.equal(cli.code, 0, cli.stdout.slice(-3000) + cli.stderr);
    assert.equal(r.ok, true);
    good = r.outcomes[0]!.release!;
    assert.match(good, /^3\.0\.1\+[0-9a-f]{12}$/);
    assert.deepEqual(r.releases, { [good]: fleet.map((v) => `root@${v.host}`) });
    assert.deepEqual(
      await current(),
      fleet.map(() => `releases/${good}`),
    );
    // Four hosts needed Node: this machine fetched it once and sent it to each.
    assert.equal(mirror.requests.filter((p) => p.endsWith('.tar.xz')).length - before, 1);
    assert.equal(r.nodeDownloads, 1);
    for (const vps of fleet.slice(0, 4))
      assert.equal((await vps.must('/opt/mono/node/bin/node -v')).trim(), `v${process.versions.node}`);
    assert.equal((await own.ssh('test -e /opt/mono/node')).code, 1, 'no second Node where one was');
    // The canary's broken first install left nothing behind to roll back to.
    assert.equal((await fleet[0]!.ssh('ls /opt/mono/releases')).stdout.trim(), good);
  });

  it('a release that crashes 5 s after answering healthy is stopped at the canary (a prebuilt release)', async () => {
    const cli = await runMono(
      fleetArgs([
        '--parallel',
        '4',
        '--bake',
        '15',
        '--release',
        await buildRelease('3.1.0', { fault: { kind: 'crash-after', seconds: 5 } }),
      ]),
      { MONO_HOME: home },
      900_000,
    );
    assert.equal(cli.code, 1, cli.stdout + cli.stderr);
    assert.match(
      cli.stdout,
      /✗ root@\S+ \(canary\)\s+failed at health: release 3\.1\.0\+\w+ crashed \d+ s after it became healthy/,
    );
    assert.match(cli.stdout, new RegExp(`→ runs ${good.replace(/[.+]/g, '\\$&')} again`));
    assert.match(cli.stdout, /Rollout stopped: a canary failed, so no other host was touched\./);
    assert.match(
      cli.stdout,
      new RegExp(`Releases now: ${good.replace(/[.+]/g, '\\$&')} on 1 host; 4 not touched\\.`),
    );
    assert.deepEqual(
      await current(),
      fleet.map(() => `releases/${good}`),
    );
  });

  it('a release that crashes 30 s after answering healthy is stopped at the canary by the default bake (from a checkout)', async () => {
    // `mono` as someone runs it from their checkout: its default release is that checkout's agent-core/dist.
    const checkout = await mkdtemp(join(tmpdir(), 'mono-checkout-'));
    try {
      for (const part of ['src-main', 'package.json'])
        await cp(join(REPO, part), join(checkout, part), { recursive: true });
      await cp(join(REPO, 'agent-core'), join(checkout, 'agent-core'), {
        recursive: true,
        filter: (src) => !src.includes('/agent-core/dist'),
      });
      await symlink(join(REPO, 'node_modules'), join(checkout, 'node_modules'));
      await cp(
        await buildRelease('3.2.0', { fault: { kind: 'crash-after', seconds: 30 } }),
        join(checkout, 'agent-core', 'dist'),
        {
          recursive: true,
        },
      );
      const started = Date.now();
      const cli = await runMono(
        fleetArgs(['--parallel', '4']),
        { MONO_HOME: home },
        900_000,
        join(checkout, 'src-main/cli/bin.js'),
      );
      assert.equal(cli.code, 1, cli.stdout + cli.stderr);
      assert.match(
        cli.stdout,
        /✗ root@\S+ \(canary\)\s+failed at health: release 3\.2\.0\+\w+ crashed 3\d s after it became healthy/,
      );
      assert.match(cli.stdout, /Rollout stopped: a canary failed/);
      assert.ok(Date.now() - started > 30_000);
    } finally {
      await rm(checkout, { recursive: true, force: true });
    }
    assert.deepEqual(
      await current(),
      fleet.map(() => `releases/${good}`),
    );
  });

  it('a host failing after the canary passed stops the next hosts within the failure budget', async () => {
    // One host cannot unpack anything: its upload fails before anything switches there.
    await fleet[1]!.must(
      "printf '#!/bin/sh\\necho tar is broken on this host >&2\\nexit 2\\n' > /usr/local/bin/tar && chmod 0755 /usr/local/bin/tar",
    );
    const cli = await runMono(
      fleetArgs([
        '--json',
        '--parallel',
        '2',
        '--canary',
        '1',
        '--max-failures',
        '0',
        '--bake',
        '10',
        '--release',
        await buildRelease('3.3.0'),
      ]),
      { MONO_HOME: home },
      900_000,
    );
    const r = result(cli);
    assert.equal(cli.code, 1);
    assert.deepEqual(
      r.outcomes.map((o) => o.status),
      ['deployed', 'failed', 'deployed', 'skipped', 'skipped'],
    );
    assert.equal(r.outcomes[1]!.error?.step, 'upload');
    assert.equal(r.outcomes[1]!.running, 'unchanged');
    assert.equal(r.haltedByBudget, true);
    const next = r.outcomes[0]!.release!;
    assert.deepEqual(r.releases, {
      [next]: [`root@${fleet[0]!.host}`, `root@${fleet[2]!.host}`],
      unchanged: [`root@${fleet[1]!.host}`],
    });
    assert.deepEqual(
      await current(),
      [next, good, next, good, good].map((id) => `releases/${id}`),
    );
  });
});
