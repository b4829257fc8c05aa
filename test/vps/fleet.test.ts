// A fleet of five VPSes: a broken release stops at its canary before the others are touched; a good one
// rolls out to all of them in parallel through `mono fleet deploy`.
import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fleetDeploy } from '../../src-main/provision/index.ts';
import { runMono } from './cli.ts';
import {
  bootMany,
  buildRelease,
  createTestKey,
  removeBuilds,
  startFleetMirror,
  type TestKey,
  tempMonoHome,
  type Vps,
} from './harness.ts';

describe('a fleet of VPSes', { timeout: 300_000 }, () => {
  let key: TestKey;
  let fleet: Vps[];
  let mirror: Awaited<ReturnType<typeof startFleetMirror>>;
  let home: string;

  before(async () => {
    buildRelease('3.0.1').catch(() => {});
    key = await createTestKey();
    home = await tempMonoHome();
    fleet = await bootMany(key, 5);
    mirror = await startFleetMirror(fleet);
  });

  after(async () => {
    await mirror?.close();
    await Promise.allSettled((fleet ?? []).map((v) => v.stop()));
    await rm(home, { recursive: true, force: true });
    await rm(key.dir, { recursive: true, force: true });
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
      nodeMirror: mirror.url,
      nodeVersion: process.versions.node,
      nodeSha256: mirror.nodeSha256,
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
    for (const vps of fleet.slice(1))
      assert.equal((await vps.ssh('test -e /opt/mono')).code, 1, `${vps.host} was not touched`);
    assert.equal(done.length, 5);
  });

  it('mono fleet deploy rolls a good release out to every host in parallel', async () => {
    // One host already has a Node of its own (as many VPS images do): it is reused, not downloaded again.
    const own = fleet[4]!;
    await own.must(
      'cat > /usr/local/bin/node && chmod 0755 /usr/local/bin/node',
      await readFile(process.execPath),
    );
    const hostsFile = join(home, 'hosts');
    await writeFile(hostsFile, `# the test fleet\n${fleet.map((v) => `root@${v.host}`).join('\n')}\n`);
    const cli = await runMono(
      [
        'fleet',
        'deploy',
        hostsFile,
        '--parallel',
        '4',
        '--canary',
        '1',
        '-i',
        key.identity,
        '--accept-new-host-key',
        '--node-mirror',
        mirror.url,
        '--node-version',
        process.versions.node,
        '--node-sha256',
        mirror.nodeSha256,
        '--release',
        await buildRelease('3.0.1'),
      ],
      { MONO_HOME: home },
    );
    assert.equal(cli.code, 0, cli.stdout + cli.stderr);
    for (const vps of fleet)
      assert.match(cli.stdout, new RegExp(`✓ root@${vps.host.replace(/\./g, '\\.')}\\s+deployed 3\\.0\\.1`));
    assert.match(cli.stdout, /5 deployed, 0 unchanged, 0 failed, 0 not touched/);
    for (const vps of fleet)
      assert.equal((await vps.must('readlink /opt/mono/current')).trim(), 'releases/3.0.1');
    assert.equal(
      (await own.must('systemctl show -p ExecStart --value mono-agent')).match(/path=(\S+)/)?.[1],
      '/usr/local/bin/node',
    );
    assert.equal((await own.ssh('test -e /opt/mono/node')).code, 1, 'no second Node was installed');
    assert.match(cli.stdout, /Using Node v\d+\.\d+\.\d+ at \/usr\/local\/bin\/node/);
    // The canary's broken release was cleaned up when it failed: it is neither kept nor a rollback target.
    assert.equal(
      (await fleet[0]!.ssh('ls /opt/mono/releases; readlink /opt/mono/previous')).stdout.trim(),
      '3.0.1',
    );
  });
});
