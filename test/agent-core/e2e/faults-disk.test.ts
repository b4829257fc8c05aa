// A full disk, on a real small disk (tmpfs) under the built agent: filled by its own traffic, and by a large file
// written beside its data. Nothing acknowledged is lost, nothing is answered twice, the engine never reaches the
// wall (it aborts the process on a failed commit), the owner is told, and the agent carries on by itself.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import type { Health } from '../../../agent-core/http/app.ts';
import { freePort } from '../../../src-main/services/free-port.ts';
import { FakeAnthropic } from '../../fakes/anthropic-server.ts';
import { FakeTelegram } from '../../fakes/telegram-server.ts';
import { agentEnv } from '../../helpers/agent-env.ts';
import { AgentProcess, socketActivation } from '../../helpers/agent-process.ts';
import { queryDataDir } from '../../helpers/inspect-datastore.ts';
import { SmallDisk } from '../../helpers/small-disk.ts';
import { eventually, sleep } from '../../helpers/wait.ts';

const OWNER = 9000;
const CHATS = Array.from({ length: 20 }, (_, i) => OWNER + i);

describe('a full disk', { timeout: 400_000 }, () => {
  const telegram = new FakeTelegram();
  const anthropic = new FakeAnthropic();
  let disk: SmallDisk | undefined;
  let agent: AgentProcess | undefined;
  let next = 0;
  const texts: string[] = [];
  const dataDir = () => join(disk!.dir, 'agent');
  const env = () =>
    agentEnv(
      dataDir(),
      { telegram, anthropic },
      {
        MONO_ALLOW_TELEGRAM: CHATS.join(','),
        MONO_DISK_CHECK_MS: '200',
        // Every chat's turn held in Claude at once when the disk fills (the default lets 8 call at a time).
        MONO_CLAUDE_CONCURRENCY: String(CHATS.length),
      },
    );
  /** Messages from the chats in turn; each carries a marker its echo repeats. */
  const send = (count: number) => {
    for (let k = 0; k < count; k++) {
      const chat = CHATS[next % CHATS.length]!;
      const text = `note #${next++}#`;
      texts.push(text);
      telegram.sendText({ chatId: chat, userId: chat, text });
    }
  };
  // A reply echoes the conversation's last user turn, which ends with the marker of the message it answers.
  const repliesTo = (text: string) =>
    telegram.sent.filter((s) => s.text.startsWith('Echo: ') && s.text.endsWith(text)).length;
  const answeredAll = () => texts.every((text) => repliesTo(text) >= 1);
  const ownerNotices = (pattern: RegExp) =>
    telegram.sent.filter((s) => String(s.chat_id) === String(OWNER) && pattern.test(s.text));

  before(async () => {
    await telegram.start();
    await anthropic.start();
  });
  afterEach(async () => {
    await agent?.kill();
    agent = undefined;
    anthropic.release();
    await disk?.unmount();
    disk = undefined;
    telegram.clearRecords();
    telegram.dropPendingUpdates();
    telegram.webhook = undefined;
    texts.length = 0;
  });
  after(async () => {
    await telegram.close();
    await anthropic.close();
  });

  test('filled by its own traffic: it stops acknowledging, finishes what it took, and resumes when space returns', async () => {
    disk = await SmallDisk.mount('8m');
    agent = new AgentProcess(env());
    await agent.start();
    let exited: number | null | undefined;
    void agent.exited().then((code) => (exited = code));

    const started = Date.now();
    let health = await agent.health();
    while (health.body.status !== 'degraded') {
      assert.ok(Date.now() - started < 180_000, 'the disk filled within three minutes');
      assert.equal(exited, undefined, `the agent is running\n${agent.output().slice(-3000)}`);
      // About what the agent answers on this machine: the backlog stays moderate.
      send(5);
      await sleep(250);
      health = await agent.health();
    }
    const fillS = (Date.now() - started) / 1000;
    assert.deepEqual(health.body.reasons, ['disk']);
    assert.equal(health.status, 200, 'the datastore itself is fine');

    // While the disk is full, new messages stay with Telegram: nothing stored, nothing confirmed.
    send(40);
    await eventually(() => telegram.pendingUpdates >= 40, 'the new messages to wait at Telegram', 15_000);
    // Updates stored just before the refusal are confirmed by the next poll (the loop pauses 5 s between looks).
    await sleep(7000);
    const waiting = telegram.pendingUpdates;
    const acknowledged = texts.length - waiting;
    // What it took is answered from the reserve, each once.
    await eventually(
      () => texts.slice(0, acknowledged).every((text) => repliesTo(text) >= 1),
      'every acknowledged message to be answered while the disk is full',
      60_000,
    ).catch((error) => {
      const missing = texts.slice(0, acknowledged).filter((text) => repliesTo(text) === 0);
      throw new Error(
        `${(error as Error).message}: ${missing.length} unanswered (${missing.slice(0, 5).join(', ')}); ` +
          `sent ${telegram.sent.length}, pending ${telegram.pendingUpdates}\n${agent!
            .output()
            .split('\n')
            .filter((line) => !line.includes('"level":30'))
            .slice(-20)
            .join('\n')}`,
      );
    });
    await eventually(() => ownerNotices(/disk is nearly full/).length > 0, 'the owner to be told', 10_000);
    await sleep(6000);
    assert.equal(ownerNotices(/disk is nearly full/).length, 1, 'the owner was told once');
    assert.equal(exited, undefined, 'the engine never hit the wall');
    assert.equal(telegram.pendingUpdates, waiting, 'nothing more was taken while full');
    const freeWhileFull = disk.freeBytes;
    assert.ok(freeWhileFull > 0, 'the disk never ran out');

    const grown = Date.now();
    await disk.resize('24m');
    await eventually(answeredAll, 'every message to be answered once space came back', 120_000).catch(
      (error) => {
        const missing = texts.filter((text) => repliesTo(text) === 0);
        throw new Error(
          `${(error as Error).message}: ${missing.length} unanswered (${missing.slice(0, 5).join(', ')}); ` +
            `pending ${telegram.pendingUpdates}, free ${disk!.freeBytes}\n${agent!
              .output()
              .split('\n')
              .filter((l) => !l.includes('"level":30'))
              .slice(-10)
              .join('\n')}`,
        );
      },
    );
    const recoveryS = (Date.now() - grown) / 1000;
    await eventually(() => ownerNotices(/Disk space is back/).length === 1, 'the owner to hear it is back');
    await sleep(1500);
    for (const text of texts) assert.equal(repliesTo(text), 1, `one reply to "${text}"`);
    health = await agent.health();
    assert.equal(health.body.status, 'ok');
    assert.equal(telegram.pendingUpdates, 0);
    console.log(
      `[figures] disk 8 MB: filled in ${fillS.toFixed(1)} s by ${acknowledged} messages; ${waiting} waited at ` +
        `Telegram; ${(freeWhileFull / 1024).toFixed(0)} KB still free while full; all answered ` +
        `${recoveryS.toFixed(1)} s after space came back`,
    );
  });

  test('webhooks while the disk is nearly full get 503 with Retry-After; redelivered once space returns, answered once', async () => {
    disk = await SmallDisk.mount('8m');
    const secret = 'webhook-secret_for-tests';
    // A reserve larger than the disk: nearly full from the first look.
    agent = new AgentProcess({ ...env(), TELEGRAM_WEBHOOK_SECRET: secret, MONO_DISK_RESERVE_MB: '16' });
    await agent.start();
    telegram.webhook = { url: `${agent.httpUrl}/telegram`, secret_token: secret, max_connections: 40 };
    const updates = CHATS.slice(0, 5).map((chat) => {
      const text = `hook #${next++}#`;
      texts.push(text);
      return telegram.sendText({ chatId: chat, userId: chat, text });
    });
    for (const update of updates) assert.equal(await telegram.deliverToWebhook(update), 503);
    const refused = await fetch(`${agent.httpUrl}/telegram`, { method: 'POST', body: '{}' });
    assert.equal(refused.status, 503);
    assert.equal(refused.headers.get('retry-after'), '30');
    assert.equal((await agent.health()).body.status, 'degraded');
    assert.equal(telegram.pendingUpdates, 5, 'Telegram keeps them');

    await disk.resize('64m');
    await eventually(
      async () => (await agent!.health()).body.status === 'ok',
      'the agent to take messages again',
    );
    assert.deepEqual(await telegram.deliverPending(), [200, 200, 200, 200, 200]);
    await eventually(answeredAll, 'the redelivered messages to be answered', 30_000);
    assert.deepEqual(await telegram.deliverPending(), []);
    for (const text of texts) assert.equal(repliesTo(text), 1, `one reply to "${text}"`);
  });

  test('filled by a file beside it mid-turn: writes wait, it survives kill -9 and a restart while full, and resumes by itself', async () => {
    disk = await SmallDisk.mount('16m');
    agent = new AgentProcess(env());
    await agent.start();
    let exited: number | null | undefined;
    void agent.exited().then((code) => (exited = code));
    send(20);
    await eventually(answeredAll, 'the first messages to be answered', 30_000);

    // Twenty turns wait at Claude (acknowledged), then the disk fills to the last byte.
    anthropic.hold();
    send(20);
    await anthropic.waitForHeld(20, { timeoutMs: 20_000 });
    const inFlight = texts.slice(20);
    const sentBefore = telegram.sent.length;
    // Below the agent's last reserve in one go (a file that takes the very last byte between two looks could
    // still make one write fail: see the README on disk space).
    await disk.fill('backup.tar', 64 * 1024);
    assert.ok(disk.freeBytes <= 64 * 1024, 'the disk is full');
    await eventually(async () => (await agent!.health()).body.status === 'degraded', 'the agent to see it');
    await eventually(() => ownerNotices(/disk is nearly full/).length === 1, 'the owner to be told');
    send(10);
    anthropic.release();
    await sleep(4000);
    assert.equal(exited, undefined, `the agent is alive\n${agent.output().slice(-3000)}`);
    assert.equal(
      telegram.sent.length,
      sentBefore + 1,
      'no reply went out while nothing could be written (only the notice)',
    );
    assert.ok(telegram.pendingUpdates >= 10, 'new messages wait at Telegram');

    // A crash while full, and a restart (as systemd does, with the port it holds passed as fd 3) on the still-full
    // disk: it comes up and waits, with /healthz saying why, instead of aborting in a loop; once there is room it
    // starts in the same process on that same socket.
    await agent.kill();
    exited = undefined;
    const port = await freePort();
    const restartEnv = { ...env(), MONO_HTTP_PORT: String(port) };
    agent = new AgentProcess(restartEnv, undefined, socketActivation(port, restartEnv));
    const starting = agent.start({ timeoutMs: 90_000 });
    starting.catch(() => {});
    void agent.exited().then((code) => (exited = code));
    const health = await eventually(
      () =>
        fetch(`http://127.0.0.1:${port}/healthz`).then(
          (r) => r.json() as Promise<Record<string, unknown>>,
          () => undefined,
        ),
      'the restarted agent to answer /healthz',
      20_000,
    );
    assert.equal(health.status, 'degraded');
    assert.deepEqual(health.reasons, ['disk']);
    await sleep(3000);
    assert.equal(exited, undefined, `the restarted agent is alive\n${agent.output().slice(-3000)}`);
    assert.equal(telegram.sent.length, sentBefore + 1, 'still nothing sent while the disk is full');

    // Space comes back: it carries on by itself.
    const freed = Date.now();
    await disk.remove('backup.tar');
    await starting;
    assert.equal(exited, undefined, `the agent started without exiting\n${agent.output().slice(-3000)}`);
    // The port now answers for the agent itself (the waiting server's health names no channel).
    const started = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.json() as Promise<Health>);
    assert.equal(started.channels.telegram, 'polling', JSON.stringify(started));
    await eventually(answeredAll, 'every message to be answered once space came back', 60_000);
    const recoveryS = (Date.now() - freed) / 1000;
    await sleep(1500);
    for (const text of texts) assert.equal(repliesTo(text), 1, `one reply to "${text}"`);
    assert.ok(ownerNotices(/Disk space is back/).length >= 1, 'the owner heard it is back');
    await agent.stop();
    agent = undefined;
    const [unknown] = await queryDataDir<[unknown[]]>(
      dataDir(),
      "SELECT id FROM message WHERE fate = 'unknown'",
    );
    assert.equal(unknown.length, 0, 'a full disk never left a reply of unknown fate');
    console.log(
      `[figures] disk 16 MB filled by a file: ${inFlight.length} turns in flight and 10 new messages, kill -9 and ` +
        `a restart while full; all answered ${recoveryS.toFixed(1)} s after space came back`,
    );
  });
  test('a file larger than the room above the reserve is not kept: the sender is told, the agent carries on', async () => {
    disk = await SmallDisk.mount('16m');
    agent = new AgentProcess({ ...env(), MONO_DISK_RESERVE_MB: '4' });
    await agent.start();
    const chat = CHATS[1]!;
    const free = disk.freeBytes;
    const requests = anthropic.requests.length;
    // Within a PDF's limit (20 MB), but it would take the disk below the reserve kept for replies.
    telegram.sendDocument({
      chatId: chat,
      userId: chat,
      fileName: 'scan.pdf',
      mimeType: 'application/pdf',
      size: free,
    });
    await eventually(
      () =>
        telegram.sent.some((s) => String(s.chat_id) === String(chat) && /short of disk space/.test(s.text)),
      'the sender to hear why the file was not kept',
      30_000,
    );
    assert.equal(anthropic.requests.length, requests, 'nothing of it reached Claude');
    assert.ok(disk.freeBytes > free - 1024 * 1024, 'the file was not downloaded');
    assert.equal((await agent.health()).body.status, 'ok', 'the agent still takes messages');
    send(3);
    await eventually(answeredAll, 'the next messages to be answered', 30_000);
  });
});
