// One VPS through a product's life: fresh install with a Telegram round trip, no-op re-deploy, update, kill -9,
// a broken release rolled back by itself, `mono rollback`, the deploy lock, and uninstall leaving nothing.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { uploadReleaseCommand } from '../../src-main/provision/commands/release.ts';
import {
  deploy,
  HealthCheckError,
  LockedError,
  openHubTunnel,
  type ProgressEvent,
  status,
} from '../../src-main/provision/index.ts';
import { logs } from '../../src-main/provision/logs.ts';
import { Session } from '../../src-main/provision/session.ts';
import { createTar } from '../../src-main/provision/tar.ts';
import { ClientProcess } from '../agent-core/hub/client-process.ts';
import { type AgentFakes, FAKE_ANTHROPIC_KEY, FAKE_TELEGRAM_TOKEN, startAgentFakes } from './agent-fakes.ts';
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

describe('a VPS from install to uninstall', { timeout: 300_000 }, () => {
  let key: TestKey;
  let vps: Vps;
  let fakes: AgentFakes;
  let mirror: Awaited<ReturnType<typeof startMirror>>;
  let home: string;
  let envFile: string;
  const events: ProgressEvent[] = [];
  const target = () => ({
    host: vps.host,
    identity: key.identity,
    knownHostsPath: join(home, 'known_hosts'),
  });
  const cliEnv = () => ({ MONO_HOME: home });
  const base = () => ({
    nodeMirror: mirror.url,
    nodeVersion: process.versions.node,
    nodeSha256: mirror.nodeSha256,
    envFile,
    onProgress: (e: ProgressEvent) => events.push(e),
  });
  let chat = 1000;
  /** Release ids (version+content hash) as each deploy reported them. */
  const ids: Record<string, string> = {};
  const roundTrip = async (text: string) => {
    const chatId = ++chat;
    const before = fakes.telegram.sent.length;
    fakes.telegram.sendText({ chatId, userId: chatId, text });
    await fakes.telegram.waitForSent(before + 1, { timeoutMs: 30_000 });
    return fakes.telegram.sent.filter((m) => m.chat_id === chatId);
  };

  before(async () => {
    // Bundling runs in child processes: start every build now, beside the boot.
    for (const v of ['1.0.0', '1.0.1', '1.0.5', '1.0.6', '1.0.7']) buildRelease(v).catch(() => {});
    key = await createTestKey();
    home = await tempMonoHome();
    vps = await Vps.boot(key);
    mirror = await startMirror(vps.hostIp);
    fakes = await startAgentFakes(vps.hostIp);
    envFile = await fakes.writeEnvFile(home);
  });

  after(async () => {
    await Promise.allSettled([mirror?.close(), fakes?.close()]);
    await vps?.stop();
    await rm(home, { recursive: true, force: true });
    await rm(key.dir, { recursive: true, force: true });
    await removeBuilds();
  });

  it('installs on a fresh VPS (Node from the mirror, hardened unit) and answers on Telegram', async () => {
    const r = await deploy({
      target: { ...target(), acceptNewHostKey: true },
      releaseDir: await buildRelease('1.0.0'),
      ...base(),
    });
    assert.equal(r.changed, true);
    assert.equal(r.version, '1.0.0');
    assert.equal(r.nodeInstalled, true);
    assert.ok(mirror.requests.some((p) => p.endsWith(`node-v${process.versions.node}-linux-x64.tar.xz`)));
    assert.match(r.securityScore ?? '', /^\d+(\.\d+)? /);
    assert.ok(Number.parseFloat(r.securityScore!) < 3, `exposure ${r.securityScore}`);
    // The health gate saw the agent's real /healthz, with the Telegram channel polling the fake.
    assert.equal(r.health?.db, 'ok');
    assert.equal(r.health?.channels?.telegram, 'polling');

    const verify = await vps.ssh('systemd-analyze verify /etc/systemd/system/mono-agent.service');
    assert.equal(verify.code, 0);
    assert.equal(verify.stdout + verify.stderr, '', 'systemd-analyze verify is clean');
    assert.equal((await vps.must('stat -c "%a %U" /etc/mono/agent.env')).trim(), '600 root');
    assert.equal((await vps.must('stat -c "%a %U" /var/lib/mono /run/mono')).trim(), '700 mono\n700 mono');
    assert.match(r.release, /^1\.0\.0\+[0-9a-f]{12}$/, 'a release is named by its version and content');
    assert.equal((await vps.must('readlink /opt/mono/current')).trim(), `releases/${r.release}`);
    ids.v100 = r.release;
    // The port is held by systemd's socket, so it stays open while the agent restarts.
    assert.equal((await vps.must('systemctl is-active mono-agent.socket')).trim(), 'active');
    // Only this VPS's native addon was uploaded.
    assert.deepEqual(
      (await vps.must('ls /opt/mono/current | grep "\\.node$"')).trim(),
      'surrealdb-node.linux-x64-gnu.node',
    );
    assert.equal((await vps.must('/opt/mono/node/bin/node -v')).trim(), `v${process.versions.node}`);

    const replies = await roundTrip('hello from the VPS test');
    assert.equal(replies.length, 1);
    assert.match(replies[0]!.text, /hello from the VPS test/);
    assert.ok(fakes.anthropic.requests.length >= 1, 'Claude (the fake) was asked');

    const json = JSON.stringify(events);
    for (const secret of [FAKE_TELEGRAM_TOKEN, FAKE_ANTHROPIC_KEY])
      assert.ok(!json.includes(secret), 'no secret in progress events');
    // The upload reports how far it got (a bar and the desktop show it on slow links).
    const upload = events.filter((e) => e.step === 'upload' && e.status === 'start' && e.detail?.bytes_total);
    assert.ok(upload.length >= 2, `${upload.length} upload progress events`);
    assert.equal(upload.at(-1)!.detail!.bytes_sent, upload.at(-1)!.detail!.bytes_total);
    const steps = events.filter((e) => e.status === 'ok').map((e) => e.step);
    assert.deepEqual(steps, [
      'connect',
      'preflight',
      'lock',
      'inspect',
      'prepare',
      'node',
      'upload',
      'secrets',
      'unit',
      'switch',
      'restart',
      'health',
      'prune',
      'unlock',
    ]);
  });

  it('deploying the same release again changes nothing and says so', async () => {
    const pid = (await vps.must('systemctl show -p MainPID --value mono-agent')).trim();
    const cli = await runMono(
      [
        'deploy',
        `root@${vps.host}`,
        '--identity',
        key.identity,
        '--release',
        await buildRelease('1.0.0'),
        '--env-file',
        envFile,
      ],
      cliEnv(),
    );
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, new RegExp(`already at ${ids.v100!.replace(/[.+]/g, '\\$&')}, nothing to do`));
    assert.equal(
      (await vps.must('systemctl show -p MainPID --value mono-agent')).trim(),
      pid,
      'the agent was not restarted',
    );
  });

  it('updates to a new version, uploading only what changed; messages sent during it are all answered once', async () => {
    events.length = 0;
    const mainPid = async () =>
      Number((await vps.must('systemctl show -p MainPID --value mono-agent')).trim());
    const oldPid = await mainPid();
    // Messages keep arriving through the whole update (the agent hands over in the middle of them).
    const during: number[] = [];
    let updating = true;
    const sending = (async () => {
      while (updating) {
        const chatId = ++chat;
        during.push(chatId);
        fakes.telegram.sendText({ chatId, userId: chatId, text: `during the update ${chatId}` });
        await new Promise((r) => setTimeout(r, 150));
      }
    })();
    const r = await deploy({ target: target(), releaseDir: await buildRelease('1.0.1'), ...base() }).finally(
      () => {
        updating = false;
      },
    );
    await sending;
    assert.ok(during.length >= 2, `${during.length} messages were sent during the update`);
    const answered = async () => during.every((id) => fakes.telegram.sent.some((m) => m.chat_id === id));
    const deadline = Date.now() + 30_000;
    while (!(await answered()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    for (const id of during)
      assert.equal(fakes.telegram.sent.filter((m) => m.chat_id === id).length, 1, `chat ${id} answered once`);
    assert.equal(r.changed, true);
    assert.equal(r.previousVersion, '1.0.0');
    assert.equal(r.nodeInstalled, false);
    assert.ok(
      r.uploadedBytes < 2 * 1024 * 1024,
      `the 23 MB addon was reused, not sent (${r.uploadedBytes} bytes)`,
    );
    assert.equal((await vps.must('readlink /opt/mono/previous')).trim(), `releases/${ids.v100}`);
    assert.equal((await vps.must('readlink /opt/mono/current')).trim(), `releases/${r.release}`);
    ids.v101 = r.release;
    // No restart: the running agent handed the service over to the new release's process, which systemd follows
    // (the kill -9 test below shows it restarts that one too).
    const restart = events.find((e) => e.step === 'restart' && e.status === 'ok');
    assert.equal(restart?.detail?.handover, 'done', JSON.stringify(restart));
    const newPid = await mainPid();
    assert.ok(newPid > 0 && newPid !== oldPid, `MainPID ${oldPid} → ${newPid}`);
    assert.equal((await vps.ssh(`kill -0 ${oldPid}`)).code, 1, 'the old agent has exited');
    assert.equal((await vps.must(`readlink /proc/${newPid}/cwd`)).trim(), `/opt/mono/releases/${r.release}`);
    assert.equal((await vps.must('cat /run/mono/agent.pid')).trim(), String(newPid));
    assert.equal((await roundTrip('after the update')).length, 1);
  });

  it('the desktop reaches the db hub through the SSH tunnel and sees a conversation live', async () => {
    // The unit sets MONO_HUB_SOCKET: a running agent always has its hub socket.
    assert.equal((await vps.ssh('test -S /run/mono/hub.sock')).code, 0, 'the agent serves its db hub socket');
    const creds = JSON.parse(await vps.must('cat /var/lib/mono/hub-credentials.json')) as {
      username: string;
      password: string;
    };
    const tunnel = await openHubTunnel({ target: target() });
    const client = new ClientProcess();
    try {
      await client.run('connect', { url: tunnel.url, username: creds.username, password: creds.password });
      await client.run('live', { table: 'message', name: 'tunnel' });
      await roundTrip('seen live through the tunnel');
      const events = await client.waitForEvents('tunnel', 2, 20_000);
      assert.ok(events.some((e) => JSON.stringify(e.value ?? {}).includes('seen live through the tunnel')));
    } finally {
      await client.stop();
      await tunnel.close();
    }
    // The socket itself is root's and the agent's only.
    assert.equal((await vps.must('stat -c "%a %U" /run/mono/hub.sock')).trim(), '600 mono');
    assert.notEqual((await vps.ssh('test -r /run/mono/hub.sock', { user: 'deployer' })).code, 0);
  });

  it('an interrupted or corrupted upload never becomes a release, let alone current', async () => {
    const session = await Session.open(target(), 'test');
    try {
      const manifest = `${createHash('sha256').update('the real bundle').digest('hex')}  mono-agent.js\n`;
      const archive = gzipSync(
        createTar([
          { name: 'mono-agent.js', data: Buffer.from('the real bundle') },
          { name: '.mono-manifest', data: Buffer.from(manifest) },
        ]),
      );
      const cut = await session.run(uploadReleaseCommand({ version: '9.9.9', nonce: 'cut', reuse: [] }), {
        stdin: archive.subarray(0, archive.length - 40),
        allowFailure: true,
      });
      assert.notEqual(cut.code, 0, 'a truncated stream fails');
      const tampered = gzipSync(
        createTar([
          { name: 'mono-agent.js', data: Buffer.from('something else') },
          { name: '.mono-manifest', data: Buffer.from(manifest) },
        ]),
      );
      const bad = await session.run(uploadReleaseCommand({ version: '9.9.9', nonce: 'bad', reuse: [] }), {
        stdin: tampered,
        allowFailure: true,
      });
      assert.equal(bad.code, 31);
      assert.match(bad.stderr, /do not match their checksums/);
    } finally {
      session.close();
    }
    assert.equal((await vps.ssh('test -e /opt/mono/releases/9.9.9')).code, 1);
    assert.equal((await vps.must('readlink /opt/mono/current')).trim(), `releases/${ids.v101}`);
  });

  it('kill -9 of the agent: systemd restarts it and no message is lost or answered twice', async () => {
    const restarts = Number((await vps.must('systemctl show -p NRestarts --value mono-agent')).trim());
    fakes.anthropic.delayMs = 1500;
    const first = ++chat;
    const before = fakes.telegram.sent.length;
    fakes.telegram.sendText({ chatId: first, userId: first, text: 'in flight when killed' });
    await fakes.telegram.waitFor(
      (c) => c.method === 'sendChatAction' && String(c.params.chat_id) === String(first),
      { timeoutMs: 15_000 },
    );
    await vps.must('kill -9 "$(systemctl show -p MainPID --value mono-agent)"');
    const second = ++chat;
    fakes.telegram.sendText({ chatId: second, userId: second, text: 'sent while it was down' });
    fakes.anthropic.delayMs = 0;
    await fakes.telegram.waitForSent(before + 2, { timeoutMs: 30_000 });
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(fakes.telegram.sent.filter((m) => m.chat_id === first).length, 1);
    assert.equal(fakes.telegram.sent.filter((m) => m.chat_id === second).length, 1);
    assert.ok(Number((await vps.must('systemctl show -p NRestarts --value mono-agent')).trim()) > restarts);
  });

  it('a release that fails its health check is rolled back automatically', async () => {
    events.length = 0;
    await assert.rejects(
      deploy({ target: target(), releaseDir: await buildRelease('1.0.2', { broken: true }), ...base() }),
      (error: unknown) => {
        assert.ok(error instanceof HealthCheckError);
        assert.equal(error.step, 'health');
        assert.equal(error.rolledBackTo, ids.v101);
        assert.ok(
          error.logTail.some((l) => l.includes('broken on purpose')),
          error.logTail.join('\n'),
        );
        assert.match(error.hint, /previous release is running again/);
        return true;
      },
    );
    assert.ok(events.some((e) => e.step === 'rollback' && e.status === 'ok'));
    assert.equal((await vps.must('readlink /opt/mono/current')).trim(), `releases/${ids.v101}`);
    assert.equal((await vps.ssh('ls -d /opt/mono/releases/1.0.2*')).code, 2, 'the failed release is gone');
    const s = await status({ target: target() });
    assert.equal(s.healthy, true);
    assert.equal(s.health?.version, '1.0.1');
    assert.equal((await roundTrip('after the rollback')).length, 1);
  });

  it('mono rollback switches to the previous release; status and logs read the VPS', async () => {
    const cli = await runMono(['rollback', `root@${vps.host}`, '-i', key.identity, '--json'], cliEnv());
    assert.equal(cli.code, 0, cli.stderr + cli.stdout);
    const result = cli.events.at(-1)!;
    assert.equal(result.type, 'result');
    assert.equal(result.to, ids.v100);
    assert.ok(cli.events.some((e) => e.step === 'rollback' && e.status === 'ok'));
    const st = await runMono(['status', `root@${vps.host}`, '-i', key.identity], cliEnv());
    assert.equal(st.code, 0, st.stderr);
    assert.match(st.stdout, /version\s+1\.0\.0/);
    assert.match(st.stdout, /telegram: polling/);
    assert.match(st.stdout, /memory\s+\d/);
    // A line quoting the bot token (as a library error quoting a URL would), written into the agent's journal.
    await vps.must(
      `printf 'MESSAGE=fetch failed: https://api.telegram.org/bot${FAKE_TELEGRAM_TOKEN}/getUpdates\\nOBJECT_SYSTEMD_UNIT=mono-agent.service\\n' | logger --journald`,
    );
    let text = '';
    // No env file given to logs(): the values are taken from the one on the VPS.
    await logs({ target: target(), lines: 500, onData: (t) => (text += t) });
    assert.match(text, /ready/);
    assert.match(text, /fetch failed: https:\/\/api\.telegram\.org\/bot\[redacted\]\/getUpdates/);
    for (const secret of [FAKE_TELEGRAM_TOKEN, FAKE_ANTHROPIC_KEY]) assert.ok(!text.includes(secret));
  });

  it('logs --follow streams new journal lines until cancelled', async () => {
    const abort = new AbortController();
    let text = '';
    const following = logs({
      target: target(),
      lines: 0,
      follow: true,
      signal: abort.signal,
      onData: (t) => (text += t),
    });
    await new Promise((r) => setTimeout(r, 500));
    await vps.must('systemctl restart mono-agent');
    const deadline = Date.now() + 15_000;
    while (!/Started mono-agent\.service/.test(text) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    abort.abort();
    await following;
    assert.match(text, /Stopping mono-agent\.service/);
    assert.match(text, /Started mono-agent\.service/);
  });

  it('two deploys at once: the second stops with a lock message; a stale lock is taken over', async () => {
    const releaseDir = await buildRelease('1.0.1');
    const results = await Promise.allSettled([
      deploy({ target: target(), releaseDir, ...base(), onProgress: () => {} }),
      new Promise((r) => setTimeout(r, 50)).then(() =>
        deploy({ target: target(), releaseDir, ...base(), onProgress: () => {} }),
      ),
    ]);
    const failed = results.filter((r) => r.status === 'rejected');
    assert.equal(failed.length, 1, JSON.stringify(results.map((r) => r.status)));
    const error = (failed[0] as PromiseRejectedResult).reason;
    assert.ok(error instanceof LockedError, String(error));
    assert.match(error.message, /another deploy holds the lock .*pid \d+/);

    // With --lock-timeout the one that comes second waits its turn instead.
    const waited: ProgressEvent[] = [];
    const both = await Promise.allSettled(
      [await buildRelease('1.0.0'), releaseDir].map((dir) =>
        deploy({
          target: target(),
          releaseDir: dir,
          ...base(),
          lockTimeoutMs: 60_000,
          onProgress: (e) => waited.push(e),
        }),
      ),
    );
    assert.deepEqual(
      both.map((r) => r.status),
      ['fulfilled', 'fulfilled'],
    );
    assert.ok(waited.some((e) => e.step === 'lock' && /Waiting for the deploy lock held by/.test(e.message)));
    // Whichever came last is what runs now; the cancel and prune tests below expect 1.0.0.
    await deploy({ target: target(), releaseDir: await buildRelease('1.0.0'), ...base() });

    // A lock left by a deploy that died long ago (old heartbeat, another machine) is recognised as stale.
    await vps.must(
      "mkdir -p /var/lock/mono-deploy && printf 'owner=ghost@elsewhere pid 1\\nmachine=elsewhere\\npid=1\\ntoken=dead\\nsince=1000\\nheartbeat=1000\\n' > /var/lock/mono-deploy/info",
    );
    const taken: ProgressEvent[] = [];
    await deploy({
      target: target(),
      releaseDir: await buildRelease('1.0.0'),
      ...base(),
      onProgress: (e) => taken.push(e),
    });
    assert.match(
      taken.find((e) => e.step === 'lock' && e.status === 'ok')!.message,
      /stale lock of ghost@elsewhere/,
    );
    assert.equal((await vps.ssh('test -e /var/lock/mono-deploy')).code, 1, 'the lock is released');
  });

  it('a cancelled deploy stops before the switch and releases the lock', async () => {
    const abort = new AbortController();
    const seen: ProgressEvent[] = [];
    await assert.rejects(
      deploy({
        target: target(),
        releaseDir: await buildRelease('1.0.5'),
        ...base(),
        signal: abort.signal,
        onProgress: (e) => {
          seen.push(e);
          if (e.step === 'upload' && e.status === 'start') abort.abort();
        },
      }),
      /cancelled before this step/,
    );
    assert.ok(seen.some((e) => e.step === 'unlock' && e.status === 'ok'));
    assert.ok(!seen.some((e) => e.step === 'switch' && e.status === 'ok'));
    assert.equal((await vps.must('readlink /opt/mono/current')).trim(), `releases/${ids.v100}`);
    assert.equal((await vps.ssh('test -e /var/lock/mono-deploy')).code, 1);
  });

  it('old releases are pruned, keeping the newest 3 (current and previous among them)', async () => {
    // On the VPS now: 1.0.0 (current), 1.0.1 (previous), 1.0.5 (uploaded by the cancelled deploy).
    const deployed: string[] = [];
    for (const v of ['1.0.6', '1.0.7'])
      deployed.push(
        (await deploy({ target: target(), releaseDir: await buildRelease(v), ...base() })).release,
      );
    const left = (await vps.must('ls /opt/mono/releases')).trim().split('\n');
    assert.deepEqual(
      left.map((id) => id.replace(/\+[0-9a-f]{12}$/, '')),
      ['1.0.5', '1.0.6', '1.0.7'],
    );
    assert.equal(
      (await vps.must('readlink /opt/mono/current /opt/mono/previous')).trim(),
      `releases/${deployed[1]}\nreleases/${deployed[0]}`,
    );
  });

  it('uninstall removes everything MONO put on the VPS', async () => {
    const refused = await runMono(['uninstall', `root@${vps.host}`, '-i', key.identity], cliEnv());
    assert.equal(refused.code, 2, 'without --yes and without a terminal it refuses');
    assert.equal((await vps.ssh('test -e /opt/mono')).code, 0);
    const cli = await runMono(['uninstall', `root@${vps.host}`, '-i', key.identity, '--yes'], cliEnv());
    assert.equal(cli.code, 0, cli.stderr + cli.stdout);
    assert.match(cli.stdout, /Nothing of MONO is left/);
    const left = await vps.ssh(
      'for p in /opt/mono /var/lib/mono /etc/mono /run/mono /var/lock/mono-deploy /etc/systemd/system/mono-agent.service /etc/systemd/system/multi-user.target.wants/mono-agent.service; do [ -e "$p" ] && echo "$p"; done; id mono 2>/dev/null; getent group mono; pgrep -u 999 -l . ; systemctl show -p LoadState --value mono-agent; true',
    );
    assert.equal(left.stdout.trim(), 'not-found');
  });
});
