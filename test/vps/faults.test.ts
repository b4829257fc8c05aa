// A VPS through the faults of its life, with the real unit under real systemd: the journal cannot fill the disk,
// a killed agent is restarted and learns how its last run ended (the unit's exit record), and `systemctl reboot`
// in the middle of turns and deliveries loses nothing and answers nothing twice.
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { JOURNALD_DROP_IN } from '../../src-main/provision/commands/fault-settings.ts';
import { deploy } from '../../src-main/provision/index.ts';
import { eventually, sleep } from '../helpers/wait.ts';
import { type AgentFakes, startAgentFakes } from './agent-fakes.ts';
import {
  buildRelease,
  createTestKey,
  removeBuilds,
  startMirror,
  type TestKey,
  tempMonoHome,
  Vps,
} from './harness.ts';

const OWNER = 6100;
const CHATS = Array.from({ length: 30 }, (_, i) => OWNER + i);

describe('a VPS through its faults', { timeout: 600_000 }, () => {
  let key: TestKey;
  let vps: Vps;
  let fakes: AgentFakes;
  let mirror: Awaited<ReturnType<typeof startMirror>>;
  let home: string;
  const journal = async () => vps.must('journalctl -u mono-agent.service --no-pager -o cat');
  const restarts = async () =>
    Number((await vps.must('systemctl show mono-agent.service -p NRestarts --value')).trim());
  const repliesTo = (text: string) => fakes.telegram.sent.filter((s) => s.text === `Echo: ${text}`).length;

  before(async () => {
    buildRelease('1.0.0').catch(() => {});
    key = await createTestKey();
    home = await tempMonoHome();
    vps = await Vps.boot(key, { persistent: true });
    mirror = await startMirror(vps.hostIp);
    fakes = await startAgentFakes(vps.hostIp);
    const envFile = await fakes.writeEnvFile(home, {
      MONO_ALLOW_TELEGRAM: CHATS.join(','),
      // Turns held in Claude at the reboot (the default lets 8 call at a time).
      MONO_CLAUDE_CONCURRENCY: String(CHATS.length),
    });
    await deploy({
      target: {
        host: vps.host,
        identity: key.identity,
        knownHostsPath: join(home, 'known_hosts'),
        acceptNewHostKey: true,
      },
      releaseDir: await buildRelease('1.0.0'),
      nodeMirror: mirror.url,
      nodeVersion: process.versions.node,
      nodeSha256: mirror.nodeSha256,
      envFile,
    });
  });
  after(async () => {
    await Promise.allSettled([mirror?.close(), fakes?.close()]);
    await vps?.stop();
    await rm(home, { recursive: true, force: true });
    await rm(key.dir, { recursive: true, force: true });
    await removeBuilds();
  });

  it('installs a bounded journal and a unit that records how each run ended', async () => {
    assert.equal(await vps.must('cat /etc/systemd/journald.conf.d/50-mono.conf'), JOURNALD_DROP_IN);
    assert.match(await vps.must('systemctl show systemd-journald -p ActiveState --value'), /active/);
    const verify = await vps.ssh('systemd-analyze verify /etc/systemd/system/mono-agent.service');
    assert.equal(verify.stdout + verify.stderr, '', 'systemd-analyze verify is clean');

    // Killed outright: systemd restarts it, the record says how, and the new run reads (and removes) it.
    const before = await restarts();
    await vps.must('kill -9 "$(systemctl show mono-agent.service -p MainPID --value)"');
    await eventually(async () => (await restarts()) > before, 'systemd to restart the agent', 30_000);
    await eventually(
      async () =>
        (await journal())
          .split('\n')
          .some(
            (line) => line.includes('the last run ended abnormally') && line.includes('killed by SIGKILL'),
          ),
      'the restarted agent to read how the last run ended',
      30_000,
    );
    assert.equal((await vps.ssh('test -e /var/lib/mono/last-exit')).code, 1, 'the record was consumed');
    fakes.telegram.sendText({ chatId: OWNER, userId: OWNER, text: 'after the kill' });
    await eventually(() => repliesTo('after the kill') === 1, 'an answer after the restart', 30_000);
  });

  it('systemctl reboot in the middle of turns and deliveries: nothing lost, nothing twice, back by itself', async () => {
    const { telegram, anthropic } = fakes;
    const texts = CHATS.map((chat) => `reboot #${chat}#`);
    // Five replies are stored and waiting out Telegram's 429 (one asks every send to wait a minute); twenty turns
    // are with Claude.
    telegram.failNext('sendMessage', 5, { retryAfter: 60 });
    anthropic.hold();
    for (const [i, chat] of CHATS.slice(0, 25).entries())
      telegram.sendText({ chatId: chat, userId: chat, text: texts[i]! });
    await anthropic.waitForHeld(25, { timeoutMs: 60_000 });
    anthropic.release(5);
    await eventually(
      () => telegram.calls.some((c) => c.method === 'sendMessage' && c.status === 429),
      'the replies to wait for Telegram',
      30_000,
    );
    await sleep(2000);
    // And five more messages arrive as the machine goes down.
    for (const [i, chat] of CHATS.slice(25).entries())
      telegram.sendText({ chatId: chat, userId: chat, text: texts[25 + i]! });
    const rebootAt = Date.now();
    await vps.reboot();
    const bootS = (Date.now() - rebootAt) / 1000;
    anthropic.release();
    telegram.clearFaults();

    await eventually(
      () => texts.every((text) => repliesTo(text) >= 1),
      'every message to be answered',
      120_000,
    );
    const recoveryS = (Date.now() - rebootAt) / 1000;
    await sleep(3000);
    for (const text of texts) assert.equal(repliesTo(text), 1, `one reply to "${text}"`);
    assert.equal((await vps.must('systemctl is-active mono-agent.service')).trim(), 'active');
    console.log(
      `[figures] reboot with 20 turns at Claude, 5 replies waiting on a 429 and 5 messages arriving: VPS back in ` +
        `${bootS.toFixed(1)} s, all 30 answered once ${recoveryS.toFixed(1)} s after the reboot began`,
    );
  });
});
