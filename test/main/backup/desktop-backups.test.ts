// The desktop's backups of the agent on this computer, with the real built agent run by the real supervisor and a
// clock the test moves: a due backup fires, one not yet due does not, the folder keeps the newest N (each with its
// size and time), and a Restore ends with the agent running again and answering its health check.
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { BackupOverview } from '../../../src-main/ipc/contract.ts';
import { createAgentConfig } from '../../../src-main/services/agent-config.ts';
import { createAgentSupervisor, nodeSpawnAgent } from '../../../src-main/services/agent-supervisor.ts';
import { type Backups, createBackups } from '../../../src-main/services/backups.ts';
import { fetchHealth, localAgentDir } from '../../../src-main/services/local-mode.ts';
import { createPrefsStore } from '../../../src-main/services/prefs.ts';
import type { ProvisionAdapter } from '../../../src-main/services/provision-adapter.ts';
import { createVault } from '../../../src-main/services/vault.ts';
import { FakeAnthropic } from '../../fakes/anthropic-server.ts';
import { FakeTelegram } from '../../fakes/telegram-server.ts';
import { agentEnv } from '../../helpers/agent-env.ts';
import { AGENT_BUNDLE, tempDataDir } from '../../helpers/agent-process.ts';
import { eventually } from '../../helpers/wait.ts';

const HOUR = 3_600_000;
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the desktop’s backups of the agent on this computer', { timeout: 300_000 }, () => {
  const telegram = new FakeTelegram();
  const anthropic = new FakeAnthropic();
  const desktop = tempDataDir('mono-desktop-');
  const folder = join(desktop.dir, 'backups');
  let clock = Date.parse('2030-03-01T09:00:00Z');
  /** The bot token as the agent is given it: one Telegram refuses, once the test says so. */
  let tokenRevoked = false;
  const env = () => ({
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/root',
    MONO_HTTP_PORT: '0',
    ...agentEnv(
      localAgentDir(desktop.dir),
      { telegram, anthropic },
      {
        MONO_ALLOW_TELEGRAM: '*',
        MONO_OWNER_CHAT: 'telegram:1',
      },
    ),
    ...(tokenRevoked ? { TELEGRAM_BOT_TOKEN: '123456:revoked-token-of-the-test' } : {}),
  });
  const agent = createAgentSupervisor({ spawn: nodeSpawnAgent(), agentPath: AGENT_BUNDLE, env });
  const prefs = createPrefsStore(join(desktop.dir, 'desktop.json'));
  const vault = createVault({ file: join(desktop.dir, 'vault.json') });
  // The queue the desktop's agent changes take turns in (a Restart from the Server screen, a key saved).
  const changes = createAgentConfig({
    vault,
    prefs,
    installer: { applyAgentEnv: async () => ({}) as never },
    log: () => {},
  });
  let backups: Backups;

  /** The backups folder's files, newest first (as the desktop names them). */
  const files = () =>
    readdirSync(folder)
      .filter((n) => n.endsWith('.monobak'))
      .sort()
      .reverse();

  /** Waits until no operation runs and the folder holds what `ready` wants; returns the overview. */
  async function settled(ready: (o: BackupOverview) => boolean, timeoutMs = 60_000): Promise<BackupOverview> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const o = await backups.overview();
      if (!o.progress?.running && ready(o)) return o;
      if (Date.now() > deadline) assert.fail(`not settled: ${JSON.stringify(o.progress ?? o.entries)}`);
      await pause(100);
    }
  }

  async function talk(chatId: number, text: string): Promise<void> {
    const before = telegram.sent.length;
    telegram.sendText({ chatId, userId: chatId, text });
    await telegram.waitForSent(before + 1, { timeoutMs: 20_000 });
  }

  before(async () => {
    await telegram.start();
    await anthropic.start();
    await vault.create('a passphrase for the test vault');
    prefs.update({ mode: 'local', wizardDone: true, backups: { enabled: true, everyHours: 24, keep: 2 } });
    await agent.start();
    backups = createBackups({
      dataDir: desktop.dir,
      vault,
      prefs,
      agent,
      provision: {} as ProvisionAdapter,
      local: {
        env,
        command: [process.execPath, AGENT_BUNDLE],
        start: async () => {
          await agent.start();
        },
        inTurn: changes.oneAtATime,
      },
      move: { secrets: () => ({}), settings: () => ({}), followed: () => {} },
      emit: () => {},
      log: () => {},
      now: () => new Date(clock),
      checkEveryMs: 50,
      healthTimeoutMs: 15_000,
    });
  });
  after(async () => {
    backups?.stop();
    await agent.stop();
    await telegram.close();
    await anthropic.close();
    desktop.remove();
  });

  test('a due backup fires, one not yet due does not, and the newest two are kept with size and time', async () => {
    await talk(500, 'first message');
    const startedAt = Date.now();
    backups.start();
    // Nothing was ever backed up: the first look makes one.
    let o = await settled((x) => x.entries.length === 1);
    assert.deepEqual(files(), ['mono-20300301T090000Z-local.monobak']);
    assert.match(o.progress?.result ?? '', /^Backed up \d+ messages? in 1 conversation/);
    assert.equal(o.nextAt, '2030-03-02T09:00:00.000Z');

    // 23 hours later: not due. The schedule looks every 50 ms here, so a second would have come by now.
    clock += 23 * HOUR;
    await pause(1500);
    o = await settled(() => true);
    assert.deepEqual(files(), ['mono-20300301T090000Z-local.monobak'], 'nothing made before it was due');

    // 24 hours after the first: due.
    await talk(501, 'second message');
    clock += HOUR;
    o = await settled((x) => x.entries.length === 2);
    assert.deepEqual(files(), ['mono-20300302T090000Z-local.monobak', 'mono-20300301T090000Z-local.monobak']);

    // A day later the third: the oldest goes, the newest two stay.
    await talk(502, 'third message');
    clock += 24 * HOUR;
    o = await settled((x) => x.entries.length === 2 && files()[0] === 'mono-20300303T090000Z-local.monobak');
    assert.deepEqual(files(), ['mono-20300303T090000Z-local.monobak', 'mono-20300302T090000Z-local.monobak']);
    assert.deepEqual(
      o.entries.map((e) => e.name),
      files(),
    );
    for (const entry of o.entries) {
      assert.equal(entry.bytes, statSync(join(folder, entry.name)).size, 'the size shown is the file’s');
      const made = Date.parse(entry.created_at);
      assert.ok(made >= startedAt - 1000 && made <= Date.now(), `${entry.created_at} is when it was made`);
      assert.equal(entry.encrypted, true);
      assert.equal(entry.source, 'local');
    }
    // The newer backup holds the later conversation: they are the newest two, not any two.
    assert.equal(o.entries[0]!.counts.conversation, 3);
    assert.equal(o.entries[1]!.counts.conversation, 2);

    // Keeping fewer prunes at once; a schedule turned off makes nothing, however long it waits.
    o = await backups.setSchedule({ enabled: false, everyHours: 24, keep: 1 });
    assert.deepEqual(files(), ['mono-20300303T090000Z-local.monobak']);
    assert.equal(o.nextAt, undefined);
    clock += 72 * HOUR;
    await pause(1000);
    await settled(() => true);
    assert.deepEqual(files(), ['mono-20300303T090000Z-local.monobak']);
    backups.stop();
  });

  test('Restore stops the agent, puts the backup back, starts it again and checks that it answers', async () => {
    const [kept] = files();
    await talk(503, 'said after the last backup');
    let o = await backups.restore(kept!);
    assert.equal(o.progress?.running, true);
    o = await settled(() => true);
    assert.equal(o.progress?.error, undefined, JSON.stringify(o.progress?.error));
    assert.deepEqual(
      o.progress?.steps.map((s) => [s.step, s.status]),
      [
        ['stop', 'done'],
        ['check', 'done'],
        ['restore', 'done'],
        ['count', 'done'],
        ['start', 'done'],
        ['health', 'done'],
      ],
    );
    assert.match(o.progress?.steps.at(-1)?.message ?? '', /^Your agent answers: healthy \(version /);
    assert.match(o.progress?.result ?? '', /in 3 conversations\. The data it had before is kept beside it/);
    // Running again on the restored data, and answering.
    assert.equal(agent.status().state, 'running');
    assert.equal((await fetchHealth(agent.status().httpUrl!)).status, 'ok');
    await talk(504, 'after the restore');
    const history = JSON.stringify(anthropic.requests.at(-1)?.messages);
    assert.match(history, /after the restore/);
  });

  test('a Restart pressed during a Restore waits for it: the restore ends well, the agent runs the restored data', async () => {
    const [kept] = files();
    await talk(505, 'said after the last backup, again');
    const started = await agent.status();
    await backups.restore(kept!);
    // Pressed while the restore has stopped the agent and replaces its data.
    await eventually(() => agent.status().state === 'stopped', 'the restore stopped the agent');
    const restarting = changes.oneAtATime(() => agent.restart());
    let restartedAt = 0;
    void restarting.then(() => (restartedAt = Date.now()));
    const o = await settled(() => true);
    const restoredAt = Date.now();
    await restarting;
    assert.equal(o.progress?.error, undefined, JSON.stringify(o.progress?.error));
    assert.deepEqual(
      o.progress?.steps.map((s) => s.status),
      ['done', 'done', 'done', 'done', 'done', 'done'],
    );
    assert.ok(restartedAt > 0 && restartedAt >= restoredAt - 1000, 'the restart came after the restore');
    assert.notEqual(agent.status().pid, started.pid);
    assert.equal(agent.status().state, 'running');
    // The restored data: what was said after the backup is not in the next request's history.
    await talk(505, 'after the restore and the restart');
    const history = JSON.stringify(anthropic.requests.at(-1)?.messages);
    assert.doesNotMatch(history, /said after the last backup, again/);
  });

  test('a restored agent that does not become healthy is said so, with what it reports', async () => {
    const [kept] = files();
    // The bot's token was revoked meanwhile: the agent starts, but Telegram refuses it.
    tokenRevoked = true;
    await backups.restore(kept!);
    const o = await settled(() => true);
    assert.equal(o.progress?.error?.step, 'health', JSON.stringify(o.progress?.error));
    assert.match(
      o.progress?.error?.message ?? '',
      /holds the restored data but is not healthy: it reports degraded \(telegram: credentials rejected/,
    );
    assert.equal(o.progress?.steps.find((s) => s.step === 'restore')?.status, 'done');
    assert.equal(agent.status().state, 'running', 'it still runs, for the owner to see why');
  });
});
