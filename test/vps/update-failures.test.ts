// An update can never leave the owner without an agent: every way a new release can fail — at start, seconds
// after it answered healthy, never healthy, degraded, hanging on stop, a migration that damages data and
// fails — ends with the previous release running, enabled and answering; a hot-fix under the same version never
// touches the running release's files; secrets go back with it; kill -9 and a reboot still bring it back.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  type DeployOptions,
  type DeployResult,
  deploy,
  HealthCheckError,
  status,
} from '../../src-main/provision/index.ts';
import { type AgentFakes, FAKE_ANTHROPIC_KEY, FAKE_TELEGRAM_TOKEN, startAgentFakes } from './agent-fakes.ts';
import { runMono } from './cli.ts';
import {
  buildRelease,
  createTestKey,
  type Fault,
  REPO,
  removeBuilds,
  startMirror,
  type TestKey,
  tempMonoHome,
  Vps,
} from './harness.ts';

describe('an update can never leave the owner without an agent', { timeout: 2_400_000 }, () => {
  let key: TestKey;
  let vps: Vps;
  let fakes: AgentFakes;
  let mirror: Awaited<ReturnType<typeof startMirror>>;
  let home: string;
  let envFile: string;
  let good: DeployResult;
  let chat = 5000;
  const target = () => ({
    host: vps.host,
    identity: key.identity,
    knownHostsPath: join(home, 'known_hosts'),
  });
  const base = (): Omit<DeployOptions, 'target' | 'releaseDir'> => ({
    nodeMirror: mirror.url,
    nodeVersion: process.versions.node,
    nodeSha256: mirror.nodeSha256,
    envFile,
    healthTimeoutMs: 20_000,
  });
  const cli = (args: string[]) => runMono([...args, '-i', key.identity], { MONO_HOME: home }, 300_000);

  const roundTrip = async (text: string, chatId = ++chat) => {
    const before = fakes.telegram.sent.filter((m) => m.chat_id === chatId).length;
    fakes.telegram.sendText({ chatId, userId: chatId, text });
    const deadline = Date.now() + 45_000;
    while (fakes.telegram.sent.filter((m) => m.chat_id === chatId).length <= before && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    const replies = fakes.telegram.sent.filter((m) => m.chat_id === chatId).slice(before);
    assert.equal(replies.length, 1, `one answer to "${text}"`);
    assert.ok(replies[0]!.text.includes(text), replies[0]!.text);
  };

  /** Sends a message every 300 ms until stopped; then checks every one got exactly one answer. */
  const messagesDuring = () => {
    const chats: number[] = [];
    let on = true;
    const loop = (async () => {
      while (on) {
        const chatId = ++chat;
        chats.push(chatId);
        fakes.telegram.sendText({ chatId, userId: chatId, text: `during an update ${chatId}` });
        await new Promise((r) => setTimeout(r, 300));
      }
    })();
    /**
     * `crashing`: the release under test exits abruptly (process.exit) while it serves, again and again until it
     * is replaced; a message it answered before one of its own crashes, if the crash came before it recorded the
     * answer, is answered again after the restart — the broken release's doing, not the switch's. Only a second
     * answer with such a crash in the journal between the two is let through; any other is a failure.
     */
    return async (o: { crashing?: boolean } = {}) => {
      on = false;
      await loop;
      let crashes: number[] | undefined;
      let crashDoubles = 0;
      const deadline = Date.now() + 60_000;
      const answered = () => chats.every((id) => fakes.telegram.sent.some((m) => m.chat_id === id));
      while (!answered() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      await new Promise((r) => setTimeout(r, 1000));
      for (const id of chats) {
        const answers = fakes.telegram.sent.filter((m) => m.chat_id === id);
        if (answers.length === 1) continue;
        if (o.crashing && answers.length === 2) {
          crashes ??= (
            await vps.must(
              "journalctl -u mono-agent --no-pager -o short-unix | grep -F 'crashing on purpose' || true",
            )
          )
            .split('\n')
            .map((l) => Number(l.split(' ')[0]) * 1000)
            .filter((t) => t > 0);
          const [first, second] = [answers[0]!.time, answers[1]!.time];
          // The crash is logged as the reply leaves; the fake records it a little later on a busy machine.
          if (crashes.some((c) => c >= first - 2000 && c <= second)) {
            crashDoubles++;
            continue;
          }
        }
        // Enough to find out why: when each answer went out, and what the agent logged about that chat.
        const [from, to] = [
          Math.floor(answers[0]!.time / 1000) - 3,
          Math.ceil(answers.at(-1)!.time / 1000) + 1,
        ];
        const journal = await vps.ssh(
          `journalctl -u mono-agent -u mono-deploy-guard --no-pager -o short-unix --since=@${from} --until=@${to} | tail -60`,
        );
        assert.fail(
          `chat ${id} got ${answers.length} answers, not 1: ${JSON.stringify(answers.map((m) => ({ time: m.time, id: m.message_id, text: m.text.slice(0, 60) })))}\n${journal.stdout}`,
        );
      }
      if (crashDoubles)
        console.log(`# ${crashDoubles} answered again after the broken release crashed in between`);
      return chats.length;
    };
  };

  /**
   * `mono deploy --json` as a child process that is killed with SIGKILL (a laptop closed, a connection gone) as
   * soon as it reports `step` `status`; resolves once it is dead.
   */
  const deployKilledAt = (releaseDir: string, step: string, status: string) =>
    new Promise<void>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [
          join(REPO, 'src-main/cli/bin.js'),
          'deploy',
          `root@${vps.host}`,
          '--release',
          releaseDir,
          '--node-mirror',
          mirror.url,
          '--node-sha256',
          mirror.nodeSha256,
          '--health-timeout',
          '20',
          '--json',
          '-i',
          key.identity,
        ],
        { env: { ...process.env, MONO_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let buffer = '';
      let killed = false;
      child.stdout.on('data', (chunk: Buffer) => {
        buffer += chunk.toString('utf8');
        for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          if (!line.startsWith('{')) continue;
          const e = JSON.parse(line) as { step: string; status: string };
          if (!killed && e.step === step && e.status === status) {
            killed = true;
            child.kill('SIGKILL');
          }
        }
      });
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
      child.on('exit', () =>
        killed ? resolve() : reject(new Error(`the deploy ended before ${step} ${status}: ${stderr}`)),
      );
    });

  /** Waits (bounded) until `current` names `release` and the agent is active. */
  const waitForCurrent = async (release: string, withinMs: number) => {
    const deadline = Date.now() + withinMs;
    for (;;) {
      const cur = (await vps.ssh('readlink /opt/mono/current')).stdout.trim();
      const active = (await vps.ssh('systemctl is-active mono-agent')).stdout.trim();
      if (cur === `releases/${release}` && active === 'active') return;
      if (Date.now() > deadline)
        assert.fail(`current is ${cur} (${active}), not releases/${release}, after ${withinMs / 1000} s`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  };

  /** The release `current` points at, its files' checksums, and the service's state, all read with OpenSSH. */
  const snapshotOfHost = async () => ({
    current: (await vps.must('readlink /opt/mono/current')).trim(),
    files: await vps.must('cd /opt/mono/current && find . -type f | sort | xargs sha256sum'),
    enabled: (await vps.ssh('systemctl is-enabled mono-agent')).stdout.trim(),
  });

  /** After a failed update: the release from before runs, enabled and healthy, answers, and `mono status` says so. */
  const previousRunsAgain = async (was: Awaited<ReturnType<typeof snapshotOfHost>>, version: string) => {
    const now = await snapshotOfHost();
    assert.equal(now.current, was.current, 'current points at the release from before');
    assert.equal(now.files, was.files, 'its files were never touched');
    assert.equal(now.enabled, 'enabled');
    assert.equal((await vps.must('systemctl is-active mono-agent')).trim(), 'active');
    await roundTrip(`still answering after the failed update to ${version}`);
    const st = await cli(['status', `root@${vps.host}`]);
    assert.equal(st.code, 0, st.stderr);
    assert.match(st.stdout, new RegExp(`version\\s+${good.version.replace(/\./g, '\\.')}\\b`));
    assert.match(st.stdout, /health\s+ok/);
  };

  before(async () => {
    key = await createTestKey();
    home = await tempMonoHome();
    vps = await Vps.boot(key, { persistent: true });
    [mirror, fakes] = await Promise.all([startMirror(vps.hostIp), startAgentFakes(vps.hostIp)]);
    envFile = await fakes.writeEnvFile(home);
  });

  after(async () => {
    await Promise.allSettled([mirror?.close(), fakes?.close()]);
    await vps?.stop();
    await rm(home, { recursive: true, force: true });
    if (key) await rm(key.dir, { recursive: true, force: true });
    await removeBuilds();
  });

  it('installs a working release (a conversation to remember)', async () => {
    good = await deploy({
      target: { ...target(), acceptNewHostKey: true },
      releaseDir: await buildRelease('1.0.0'),
      ...base(),
    });
    assert.match(good.release, /^1\.0\.0\+[0-9a-f]{12}$/);
    assert.equal((await vps.must('readlink /opt/mono/current')).trim(), `releases/${good.release}`);
    // The agent runs from the socket systemd holds: the port stays open while it restarts.
    assert.equal((await vps.must('systemctl is-active mono-agent.socket')).trim(), 'active');
    await roundTrip('remember this conversation', 4000);
  });

  const failures: [string, Fault, RegExp, RegExp][] = [
    ['exits at start', { kind: 'crash-at-start' }, /exits at start \(exit status 3/, /broken on purpose/],
    [
      'crashes 5 s after it first answered healthy',
      { kind: 'crash-after', seconds: 5 },
      /crashed \d+ s after it became healthy \(exit status 3/,
      /crashing on purpose 5 s after becoming healthy/,
    ],
    [
      'never becomes healthy',
      { kind: 'never-healthy' },
      /did not become healthy within 20 s/,
      /never serves/,
    ],
    [
      'reports degraded',
      { kind: 'degraded' },
      /did not become healthy within 20 s \(last: \/healthz reports degraded\)/,
      /ready/,
    ],
    [
      'hangs when it is stopped',
      { kind: 'hanging-stop' },
      /did not become healthy within 20 s/,
      /hangs when stopped/,
    ],
    [
      'damages the data in its migration and then fails it',
      { kind: 'failing-migration' },
      /exits at start/,
      /fails on purpose/,
    ],
  ];
  failures.forEach(([what, fault, failure, logLine], i) => {
    it(`a new release that ${what} is rolled back: the previous one runs, answers, and nothing is lost`, async () => {
      const version = `1.1.${i}`;
      const was = await snapshotOfHost();
      const events: string[] = [];
      const sent = messagesDuring();
      await assert.rejects(
        deploy({
          target: target(),
          releaseDir: await buildRelease(version, { fault }),
          ...base(),
          onProgress: (e) => events.push(`${e.step}:${e.status}`),
        }),
        (e: unknown) => {
          assert.ok(e instanceof HealthCheckError, String(e));
          assert.match(e.failure, failure);
          assert.equal(e.rolledBackTo, good.release, e.message);
          assert.ok(
            e.logTail.some((l) => logLine.test(l)),
            e.logTail.join('\n'),
          );
          assert.match(
            e.reason.split('\n')[0]!,
            new RegExp(
              `^release ${version.replace(/\./g, '\\.')}\\+[0-9a-f]{12} .*; ${good.release.replace(/[.+]/g, '\\$&')} runs again`,
            ),
          );
          assert.match(e.hint, /previous release is running again, enabled and healthy/);
          for (const secret of [FAKE_TELEGRAM_TOKEN, FAKE_ANTHROPIC_KEY])
            assert.ok(!e.message.includes(secret));
          return true;
        },
      );
      const count = await sent();
      assert.ok(count >= 3, `${count} messages were sent during the update`);
      assert.ok(events.includes('rollback:ok'), events.join(' '));
      await previousRunsAgain(was, version);
      assert.equal(
        (await vps.ssh(`ls -d /opt/mono/releases/${version}+*`)).code,
        2,
        'the failed release is gone',
      );
      if (fault.kind === 'failing-migration') {
        // The migration deleted every message before failing; the snapshot put them back: the conversation
        // from the first test is still in what Claude is sent.
        const before = fakes.anthropic.requests.length;
        await roundTrip('do you still remember', 4000);
        const sentToClaude = JSON.stringify(fakes.anthropic.requests.slice(before));
        assert.match(sentToClaude, /remember this conversation/);
        assert.equal((await vps.ssh('test -d /var/lib/mono-failed')).code, 0, 'what it left is kept aside');
      }
    });
  });

  it('a deploy whose connection is lost after the switch still ends with the previous release: the VPS goes back by itself', async () => {
    const was = await snapshotOfHost();
    const sent = messagesDuring();
    const t0 = Date.now();
    // Killed once the new release (healthy at first, dead 5 s later) was started: nobody is left to gate it.
    await deployKilledAt(
      await buildRelease('1.1.9', { fault: { kind: 'crash-after', seconds: 5 } }),
      'restart',
      'ok',
    );
    // The guard's deadline: the gate's timeout (20 s) and bake (10 s) plus 30 s of slack; bounded well above.
    await new Promise((r) => setTimeout(r, 5000));
    assert.match((await vps.must('readlink /opt/mono/current')).trim(), /^releases\/1\.1\.9\+/);
    await waitForCurrent(good.release, 150_000);
    const backAfterS = Math.round((Date.now() - t0) / 1000);
    const count = await sent({ crashing: true });
    assert.ok(count >= 3, `${count} messages were sent during the update`);
    await previousRunsAgain(was, '1.1.9');
    const journal = await vps.must('journalctl -u mono-deploy-guard --no-pager -o cat');
    assert.match(
      journal,
      /the deploy of 1\.1\.9\+[0-9a-f]{12} did not finish and .* is not healthy: going back/,
    );
    assert.match(journal, new RegExp(`${good.release.replace(/[.+]/g, '\\$&')} runs again`));
    // The guard released the lost deploy's lock: the next deploy starts at once, and finds the host as it is.
    assert.equal((await vps.ssh('test -e /var/lock/mono-deploy')).code, 1, 'no lock left behind');
    assert.equal((await vps.ssh('test -e /etc/mono/deploy-guard.sh')).code, 1, 'no guard left behind');
    console.log(`# back on ${good.release} ${backAfterS} s after the deploy began`);
  });

  it('the same version rebuilt with a bug is another release: the running files stay as they are', async () => {
    const was = await snapshotOfHost();
    const events: { step: string; status: string; message: string }[] = [];
    await assert.rejects(
      deploy({
        target: target(),
        releaseDir: await buildRelease('1.0.0', { fault: { kind: 'crash-after', seconds: 5 } }),
        ...base(),
        onProgress: (e) => events.push(e),
      }),
      (e: unknown) => e instanceof HealthCheckError && e.rolledBackTo === good.release,
    );
    const uploaded = events.find((e) => e.step === 'upload' && e.status === 'ok');
    assert.ok(uploaded, 'the rebuild was uploaded as a release of its own');
    assert.doesNotMatch(uploaded.message, new RegExp(good.release.replace(/[.+]/g, '\\$&')));
    await previousRunsAgain(was, '1.0.0 (rebuilt)');
  });

  it('new secrets that break the previous release too go back with it', async () => {
    const was = await snapshotOfHost();
    const oldEnv = await vps.must('sha256sum < /etc/mono/agent.env');
    // A Telegram token without a Claude key is a configuration error (exit 2) for any release.
    const broken = join(home, 'broken.env');
    await writeFile(
      broken,
      `TELEGRAM_BOT_TOKEN=${FAKE_TELEGRAM_TOKEN}\nTELEGRAM_API_ROOT=${fakes.telegram.url}\n`,
    );
    await assert.rejects(
      deploy({
        target: target(),
        releaseDir: await buildRelease('1.2.0', { fault: { kind: 'crash-at-start' } }),
        ...base(),
        envFile: broken,
      }),
      (e: unknown) => {
        assert.ok(e instanceof HealthCheckError, String(e));
        assert.deepEqual(e.rollback, {
          kind: 'switched-back',
          to: good.release,
          oldConfig: true,
          dataRestored: false,
        });
        assert.match(e.reason, /runs again with the secrets and unit from before/);
        return true;
      },
    );
    assert.equal(
      await vps.must('sha256sum < /etc/mono/agent.env'),
      oldEnv,
      'the secrets from before are back',
    );
    await previousRunsAgain(was, '1.2.0');
  });

  it('after a rollback, kill -9 and a reboot of the VPS still bring the agent back', async () => {
    await vps.must('kill -9 "$(systemctl show -p MainPID --value mono-agent)"');
    await roundTrip('after kill -9');
    await vps.reboot();
    await roundTrip('after a reboot');
    const s = await status({ target: target() });
    assert.equal(s.healthy, true);
    assert.equal(s.health?.version, good.version);
  });

  it('mono rollback is held to the same gate: a previous release that is not healthy leaves the current one', async () => {
    const next = await deploy({ target: target(), releaseDir: await buildRelease('1.3.0'), ...base() });
    assert.equal((await vps.must('readlink /opt/mono/previous')).trim(), `releases/${good.release}`);
    // The previous release's files are damaged on the VPS (a bad disk, a hand edit): one of its own files (not
    // shared with the running release through a hard link) is replaced by one that fails when it is loaded.
    const own = (
      await vps.must(`find /opt/mono/releases/${good.release} -name '*.js' -links 1 | head -1`)
    ).trim();
    assert.ok(own, 'the previous release has a file of its own');
    await vps.must(`printf 'throw new Error("damaged on disk");\\n' > ${own}.new && mv ${own}.new ${own}`);
    const r = await cli(['rollback', `root@${vps.host}`]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      new RegExp(
        `release ${good.release.replace(/[.+]/g, '\\$&')} exits at start .*; ${next.release.replace(/[.+]/g, '\\$&')} runs again`,
      ),
    );
    assert.equal((await vps.must('readlink /opt/mono/current')).trim(), `releases/${next.release}`);
    await roundTrip('after a refused rollback');
  });

  it('when nothing healthy can be brought back it says exactly that, keeps the unit enabled, and exits non-zero', async () => {
    // The secrets on the VPS were edited by hand into a configuration no release accepts (a Telegram token
    // without a Claude key: exit 2); the running agent read them before, so it still runs — until a restart.
    await vps.must("sed -i '/^ANTHROPIC_API_KEY=/d' /etc/mono/agent.env");
    const r = await cli([
      'deploy',
      `root@${vps.host}`,
      '--release',
      await buildRelease('1.4.0', { fault: { kind: 'crash-at-start' } }),
      '--node-mirror',
      mirror.url,
      '--node-sha256',
      mirror.nodeSha256,
      '--health-timeout',
      '20',
    ]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /no release could be brought back healthy \(tried .*\): no agent answers now; the service stays enabled/,
    );
    assert.match(r.stderr, /until then your agent answers no one/);
    assert.equal((await vps.ssh('systemctl is-enabled mono-agent')).stdout.trim(), 'enabled');
    // A working release with the right secrets repairs the host.
    const fixed = await deploy({ target: target(), releaseDir: await buildRelease('1.5.0'), ...base() });
    assert.equal(fixed.version, '1.5.0');
    await roundTrip('a working release again');
  });

  it('a deploy whose connection is lost during the bake of a healthy release leaves that release running', async () => {
    const killedAt = Date.now();
    await deployKilledAt(await buildRelease('1.6.0'), 'health', 'start');
    // The guard finds 1.6.0 healthy and up long enough, and keeps it; the journal says so.
    const deadline = Date.now() + 150_000;
    let journal = '';
    while (!/keeping it/.test(journal) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 2000));
      journal = (await vps.ssh('journalctl -u mono-deploy-guard --no-pager -o cat')).stdout;
    }
    assert.match(
      journal,
      /the deploy of 1\.6\.0\+[0-9a-f]{12} did not finish, but .* is healthy and stable: keeping it/,
    );
    assert.ok(Date.now() - killedAt < 150_000);
    assert.match((await vps.must('readlink /opt/mono/current')).trim(), /^releases\/1\.6\.0\+/);
    await roundTrip('the release whose deploy was cut off');
  });
});
