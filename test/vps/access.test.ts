// Getting in: host keys pinned on first use and refused when changed, the sudo path, and the errors a user
// sees for a wrong key, a closed port or a user without sudo.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFile, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Secret } from '../../agent-core/config/secret.ts';
import {
  CommandTimeoutError,
  checkHost,
  deploy,
  fetchHostKey,
  HostKeyError,
  openHubTunnel,
  type ProgressEvent,
  ProvisionError,
  SshError,
  status,
  trustHostKey,
} from '../../src-main/provision/index.ts';
import { runMono } from './cli.ts';
import {
  buildRelease,
  createTestKey,
  removeBuilds,
  startMirror,
  type TestKey,
  tempMonoHome,
  Vps,
} from './harness.ts';

describe('connecting to a VPS', { timeout: 240_000 }, () => {
  let key: TestKey;
  let otherKey: TestKey;
  let vps: Vps;
  let mirror: Awaited<ReturnType<typeof startMirror>>;
  let home: string;
  const knownHosts = () => join(home, 'known_hosts');
  const hostFingerprint = () =>
    execFileSync('ssh-keygen', ['-lf', join(vps.keysDir, 'ssh_host_ed25519_key.pub')], {
      encoding: 'utf8',
    }).split(' ')[1]!;

  before(async () => {
    for (const v of ['2.0.0', '2.0.1', '2.0.2']) buildRelease(v).catch(() => {});
    [key, otherKey] = await Promise.all([createTestKey(), createTestKey()]);
    home = await tempMonoHome();
    vps = await Vps.boot(key);
    mirror = await startMirror(vps.hostIp);
  });

  after(async () => {
    await mirror?.close();
    await vps?.stop();
    for (const dir of [home, key?.dir, otherKey?.dir])
      if (dir) await rm(dir, { recursive: true, force: true });
    await removeBuilds();
  });

  it('an unknown host key is refused without consent, showing its fingerprint, and nothing is pinned', async () => {
    const cli = await runMono(['status', `root@${vps.host}`, '-i', key.identity], { MONO_HOME: home });
    assert.equal(cli.code, 1);
    assert.match(cli.stderr, /connect failed .*host key .* is not known yet/);
    assert.ok(cli.stderr.includes(hostFingerprint()), 'the fingerprint OpenSSH shows is printed');
    assert.match(cli.stderr, /--accept-new-host-key/);
    await assert.rejects(readFile(knownHosts(), 'utf8'), { code: 'ENOENT' });
  });

  it('first contact: the key is shown without being pinned, and a man in the middle’s key is never pinned', async () => {
    const target = { host: vps.host, identity: key.identity, knownHostsPath: knownHosts() };
    // What the wizard shows before the owner decides: the fingerprint ssh-keygen -lf prints on the VPS.
    const seen = await fetchHostKey({ target });
    assert.equal(seen.key.fingerprint, hostFingerprint());
    assert.equal(seen.status, 'new');
    const genuine = seen.key.fingerprint;
    await assert.rejects(readFile(knownHosts(), 'utf8'), { code: 'ENOENT' }, 'looking pins nothing');
    // Without a confirmation the test-connection step refuses, and the error carries the fingerprint to show.
    const unconfirmed = await checkHost({ target });
    assert.equal(unconfirmed.ok, false);
    assert.equal(unconfirmed.error?.host_key?.kind, 'unknown');
    assert.equal(unconfirmed.error?.host_key?.fingerprint, genuine);
    await assert.rejects(readFile(knownHosts(), 'utf8'), { code: 'ENOENT' });

    // Someone now answers in the VPS's place with a key of their own (modelled by giving sshd a new key); the
    // owner confirmed the genuine fingerprint from the provider's console.
    await vps.rotateHostKey();
    const intercepted = await checkHost({ target: { ...target, hostKey: genuine } });
    assert.equal(intercepted.ok, false);
    assert.equal(intercepted.error?.host_key?.kind, 'mismatch');
    assert.equal(intercepted.error?.host_key?.fingerprint, hostFingerprint());
    await assert.rejects(trustHostKey({ target, fingerprint: genuine }), (e: unknown) => {
      return e instanceof HostKeyError && e.kind === 'mismatch' && /not the expected/.test(e.reason);
    });
    // Even --accept-new-host-key does not override an expected fingerprint that does not match.
    const cli = await runMono(
      ['status', `root@${vps.host}`, '-i', key.identity, '--host-key', genuine, '--accept-new-host-key'],
      { MONO_HOME: home },
    );
    assert.equal(cli.code, 1);
    assert.match(cli.stderr, /not the expected/);
    await assert.rejects(readFile(knownHosts(), 'utf8'), { code: 'ENOENT' }, 'nothing was pinned');

    // With the right fingerprint (what the console shows now), the CLI pins it on first contact.
    const ok = await runMono(
      ['status', `root@${vps.host}`, '-i', key.identity, '--host-key', hostFingerprint()],
      {
        MONO_HOME: home,
      },
    );
    assert.equal(ok.code, 1, 'status exits 1: MONO is not installed yet');
    assert.match(ok.stdout, /MONO is not installed/);
    assert.equal((await fetchHostKey({ target })).status, 'pinned');
    await rm(knownHosts());
  });

  it('a person who confirms the fingerprint gets it pinned in MONO known_hosts', async () => {
    let asked = '';
    const s = await status({
      target: {
        host: vps.host,
        identity: key.identity,
        knownHostsPath: knownHosts(),
        confirmHostKey: async ({ key: k }) => {
          asked = k.fingerprint;
          return true;
        },
      },
    });
    assert.equal(s.installed, false);
    assert.equal(asked, hostFingerprint());
    assert.match(
      await readFile(knownHosts(), 'utf8'),
      new RegExp(`^${vps.host.replace(/\./g, '\\.')} ssh-ed25519 AAAA`),
    );
  });

  it('deploys through sudo as a non-root user', async () => {
    // Something else on the agent's port would answer the health check: refused before anything is installed.
    await vps.must('systemd-run --unit port-squatter systemd-socket-activate -l 127.0.0.1:7420 cat');
    await assert.rejects(
      deploy({
        target: {
          host: vps.host,
          username: 'deployer',
          identity: key.identity,
          knownHostsPath: knownHosts(),
        },
        releaseDir: await buildRelease('2.0.0'),
      }),
      (e: unknown) =>
        e instanceof ProvisionError &&
        e.step === 'inspect' &&
        /port 7420 .* taken by .*systemd-socket/.test(e.reason),
    );
    await vps.must('systemctl stop port-squatter');
    const deployer = {
      host: vps.host,
      username: 'deployer',
      identity: key.identity,
      knownHostsPath: knownHosts(),
    };
    // MONO pins the official tarball's hash for its default Node: the test mirror's repacked build is refused
    // before anything is unpacked, however well its own checksum list matches.
    await assert.rejects(
      deploy({
        target: deployer,
        releaseDir: await buildRelease('2.0.0'),
        nodeMirror: mirror.url,
        nodeVersion: process.versions.node,
      }),
      (e: unknown) => e instanceof ProvisionError && e.step === 'node' && /checksum mismatch/.test(e.reason),
    );
    assert.equal((await vps.ssh('test -e /opt/mono/node || test -e /opt/mono/current')).code, 1);
    const envFile = join(home, 'agent.env');
    // A value with everything systemd's EnvironmentFile= could misread: quotes, $, backslashes, #, backticks.
    const tricky = `p@ss "w" it's $HOME \\n \`id\` #no-comment ;x`;
    await writeFile(
      envFile,
      `MONO_LOG_LEVEL=debug\nANTHROPIC_API_KEY='sk-ant-through-sudo-0001'\nMONO_TEST_VALUE='${tricky}'\n`,
      { mode: 0o600 },
    );
    const events: ProgressEvent[] = [];
    const r = await deploy({
      target: deployer,
      envFile,
      onProgress: (e) => events.push(e),
      releaseDir: await buildRelease('2.0.0'),
      nodeMirror: mirror.url,
      nodeVersion: process.versions.node,
      nodeSha256: mirror.nodeSha256,
    });
    assert.equal(r.changed, true);
    assert.equal(r.health?.version, '2.0.0');
    assert.equal(
      (await vps.must('stat -c %U /opt/mono/releases/2.0.0/mono-agent.js /etc/mono/agent.env')).trim(),
      'root\nroot',
    );
    assert.equal((await vps.must('systemctl show -p User --value mono-agent')).trim(), 'mono');
    // The agent's environment holds exactly the values written, as systemd read them from the file.
    const environ = (await vps.must('cat /proc/$(systemctl show -p MainPID --value mono-agent)/environ'))
      .split('\0')
      .filter(Boolean);
    assert.ok(
      environ.includes(`MONO_TEST_VALUE=${tricky}`),
      environ.filter((l) => l.startsWith('MONO_TEST')).join(),
    );
    assert.ok(environ.includes('ANTHROPIC_API_KEY=sk-ant-through-sudo-0001'));
    assert.equal((await vps.must('stat -c %a /etc/mono/agent.env')).trim(), '600');
    assert.ok(!JSON.stringify(events).includes('sk-ant-through-sudo-0001'));
  });

  it('a remote command that never returns fails its step in time, releases the lock, and a retry succeeds', async () => {
    const target = { host: vps.host, identity: key.identity, knownHostsPath: knownHosts() };
    // A tool that hangs on this VPS: systemd-analyze (the unit step runs it) never returns.
    await vps.must(
      "printf '#!/bin/sh\\nexec sleep 3600\\n' > /usr/local/bin/systemd-analyze && chmod 0755 /usr/local/bin/systemd-analyze",
    );
    const common = {
      target,
      releaseDir: await buildRelease('2.0.1'),
      nodeMirror: mirror.url,
      nodeVersion: process.versions.node,
      nodeSha256: mirror.nodeSha256,
      // A new memory ceiling changes the unit, so the unit step runs.
      memoryMaxMb: 512,
      timeouts: { unit: 4000 },
    };
    const started = Date.now();
    const events: ProgressEvent[] = [];
    await assert.rejects(deploy({ ...common, onProgress: (e) => events.push(e) }), (e: unknown) => {
      assert.ok(e instanceof CommandTimeoutError, String(e));
      assert.equal(e.step, 'unit');
      assert.match(
        e.reason,
        /installing the systemd unit \(systemd-analyze verify.*\) did not finish within 4 s/,
      );
      assert.match(e.hint, /run the same command again/);
      return true;
    });
    const took = Date.now() - started;
    // The limit plus the SSH side's grace; far from the hour the tool would have slept.
    assert.ok(took < 60_000, `failed after ${took} ms`);
    assert.ok(events.some((e) => e.step === 'unlock' && e.status === 'ok'));
    assert.equal((await vps.ssh('test -e /var/lock/mono-deploy')).code, 1, 'the lock was released');
    assert.equal(
      (await vps.ssh('pgrep -f "sleep 360[0]"')).code,
      1,
      'the hung command was stopped on the VPS',
    );
    assert.equal((await vps.must('readlink /opt/mono/current')).trim(), 'releases/2.0.0', 'nothing switched');
    assert.equal((await status({ target })).healthy, true);

    // Once the VPS is fixed, the same process deploys again at once: no restart, no stale lock to wait for.
    await vps.must('rm /usr/local/bin/systemd-analyze');
    const retry = await deploy(common);
    assert.equal(retry.version, '2.0.1');
    assert.equal(
      (await vps.must('systemctl show -p MemoryMax --value mono-agent')).trim(),
      String(512 * 1048576),
    );
  });

  it('the db tunnel forwards a local port to a unix socket on the VPS, for root only', async () => {
    await vps.must(
      `systemd-run --unit mono-echo /opt/mono/node/bin/node -e "require('http').createServer((q, r) => r.end('via unix ' + q.url)).listen('/run/mono-echo.sock')" && for i in $(seq 50); do [ -S /run/mono-echo.sock ] && break; sleep 0.1; done`,
    );
    const tunnel = await openHubTunnel({
      target: { host: vps.host, identity: key.identity, knownHostsPath: knownHosts() },
      socketPath: '/run/mono-echo.sock',
    });
    try {
      const answers = await Promise.all(
        ['/a', '/b', '/c'].map(async (p) => (await fetch(`http://127.0.0.1:${tunnel.port}${p}`)).text()),
      );
      assert.deepEqual(answers, ['via unix /a', 'via unix /b', 'via unix /c']);
    } finally {
      await tunnel.close();
      await vps.ssh('systemctl stop mono-echo');
    }
    await assert.rejects(
      openHubTunnel({
        target: {
          host: vps.host,
          username: 'deployer',
          identity: key.identity,
          knownHostsPath: knownHosts(),
        },
      }),
      (e: unknown) => e instanceof ProvisionError && e.step === 'tunnel' && /connect as root/.test(e.hint),
    );
  });

  it('a user without sudo is told what to do', async () => {
    await assert.rejects(
      status({
        target: { host: vps.host, username: 'nosudo', identity: key.identity, knownHostsPath: knownHosts() },
      }).then(() =>
        deploy({
          target: {
            host: vps.host,
            username: 'nosudo',
            identity: key.identity,
            knownHostsPath: knownHosts(),
          },
          releaseDir: join(home, 'unused'),
        }),
      ),
      (error: unknown) => {
        assert.ok(error instanceof ProvisionError, String(error));
        assert.equal(error.step, 'preflight');
        assert.match(error.reason, /nosudo cannot run commands as root/);
        assert.match(error.hint, /NOPASSWD/);
        return true;
      },
    );
  });

  it('checkHost (the wizard\'s "test connection") answers with facts or the failed step, never throws', async () => {
    const good = await checkHost({
      target: { host: vps.host, identity: key.identity, knownHostsPath: knownHosts() },
    });
    assert.equal(good.ok, true);
    assert.equal(good.facts?.glibc, '2.36');
    assert.equal(good.hostKey?.fingerprint, hostFingerprint());
    const bad = await checkHost({
      target: { host: vps.host, username: 'nosudo', identity: key.identity, knownHostsPath: knownHosts() },
    });
    assert.equal(bad.ok, false);
    assert.equal(bad.error?.step, 'preflight');
    assert.match(bad.error?.hint ?? '', /sudoers/);
  });

  it('a key the VPS does not accept, and a closed port, fail at connect with the reason', async () => {
    await assert.rejects(
      status({ target: { host: vps.host, identity: otherKey.identity, knownHostsPath: knownHosts() } }),
      (e: unknown) =>
        e instanceof SshError &&
        e.code === 'auth' &&
        /did not accept the key/.test(e.reason) &&
        /authorized_keys/.test(e.hint),
    );
    await assert.rejects(
      status({
        target: {
          host: vps.host,
          port: 2222,
          identity: key.identity,
          knownHostsPath: knownHosts(),
          acceptNewHostKey: true,
        },
      }),
      (e: unknown) => e instanceof SshError && e.code === 'refused',
    );
  });

  it('an encrypted key works with its passphrase, and without it the error says what is missing', async () => {
    const encrypted = join(home, 'id_encrypted');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'correct horse', '-f', encrypted]);
    await appendFile(join(vps.keysDir, 'authorized_keys'), await readFile(`${encrypted}.pub`, 'utf8'));
    const s = await status({
      target: {
        host: vps.host,
        identity: encrypted,
        passphrase: new Secret('correct horse'),
        knownHostsPath: knownHosts(),
      },
    });
    assert.equal(s.installed, true);
    await assert.rejects(
      status({ target: { host: vps.host, identity: encrypted, knownHostsPath: knownHosts() } }),
      (e: unknown) => e instanceof SshError && e.code === 'key' && /passphrase/.test(e.reason + e.hint),
    );
  });

  it('a changed host key is refused, even with --accept-new-host-key, and nothing runs on the VPS', async () => {
    const pinned = await readFile(knownHosts(), 'utf8');
    await vps.rotateHostKey();
    const cli = await runMono(
      [
        'deploy',
        `root@${vps.host}`,
        '-i',
        key.identity,
        '--accept-new-host-key',
        '--json',
        '--release',
        await buildRelease('2.0.2'),
      ],
      { MONO_HOME: home },
    );
    assert.equal(cli.code, 1);
    const result = cli.events.at(-1) as {
      ok: boolean;
      error: { name: string; step: string; reason: string };
    };
    assert.equal(result.ok, false);
    assert.equal(result.error.name, 'HostKeyError');
    assert.equal(result.error.step, 'connect');
    assert.match(result.error.reason, /changed/);
    assert.ok(result.error.reason.includes(hostFingerprint()));
    assert.equal(await readFile(knownHosts(), 'utf8'), pinned, 'the pinned key was not replaced');
    assert.equal(
      (await vps.must('readlink /opt/mono/current')).trim(),
      'releases/2.0.1',
      'nothing was deployed',
    );
    await assert.rejects(
      status({ target: { host: vps.host, identity: key.identity, knownHostsPath: knownHosts() } }),
      (e: unknown) => e instanceof HostKeyError && e.kind === 'changed',
    );
  });
});
