// The built agent's db hub seen from another process with the official SDK (what the desktop does), and a
// second agent that keeps its data in the first one's datastore through MONO_DB_URL.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FakeAnthropic } from '../../fakes/anthropic-server.ts';
import { FakeTelegram } from '../../fakes/telegram-server.ts';
import { agentEnv } from '../../helpers/agent-env.ts';
import { AgentProcess, tempDataDir } from '../../helpers/agent-process.ts';
import { ClientProcess } from '../hub/client-process.ts';

const HUB_USER = 'desktop';
const HUB_PASS = 'a-long-hub-password-for-tests';

describe('db hub and an external datastore', { timeout: 90_000 }, () => {
  const telegram = new FakeTelegram();
  const otherTelegram = new FakeTelegram();
  const anthropic = new FakeAnthropic();
  const data = tempDataDir();
  const otherData = tempDataDir();
  let agent: AgentProcess;
  let client: ClientProcess;

  before(async () => {
    await telegram.start();
    await otherTelegram.start();
    await anthropic.start();
    agent = await new AgentProcess(
      agentEnv(
        data.dir,
        { telegram, anthropic },
        {
          MONO_ALLOW_TELEGRAM: '*',
          // Everyone may talk; the owner is someone else (with no owner the agent answers only "not set up yet").
          MONO_OWNER_CHAT: 'telegram:1',
          MONO_HUB_LISTEN: '127.0.0.1:0',
          MONO_DB_USER: HUB_USER,
          MONO_DB_PASS: HUB_PASS,
        },
      ),
    ).start();
    assert.match(agent.hubAddress ?? '', /^ws:\/\/127\.0\.0\.1:\d+\/rpc$/);
    client = new ClientProcess();
  });

  after(async () => {
    await client?.stop();
    await agent?.stop();
    await telegram.close();
    await otherTelegram.close();
    await anthropic.close();
    data.remove();
    otherData.remove();
  });

  test('nothing works before sign-in, and a wrong password is refused', async () => {
    const stranger = new ClientProcess();
    try {
      await stranger.run('connect', { url: agent.hubAddress, signin: false });
      await assert.rejects(stranger.run('query', { sql: 'SELECT * FROM message' }));
      await assert.rejects(stranger.run('signin', { username: HUB_USER, password: 'wrong' }));
      await assert.rejects(stranger.run('query', { sql: 'SELECT * FROM message' }));
    } finally {
      await stranger.stop();
    }
  });

  test('a signed-in client sees new and changed messages live, as they happen', async () => {
    await client.run('connect', { url: agent.hubAddress, username: HUB_USER, password: HUB_PASS });
    await client.run('live', { table: 'message', name: 'messages' });
    telegram.sendText({ chatId: 7, userId: 7, text: 'watched live' });
    await telegram.waitForSent(1, { timeoutMs: 10_000 });
    // The inbound message is created, updated once answered; the reply is created, then marked sent.
    const events = await client.waitForEvents('messages', 4);
    const inbound = events.filter((e) => e.value?.text === 'watched live');
    const reply = events.filter((e) => e.value?.role === 'assistant');
    assert.ok(inbound.some((e) => e.action === 'CREATE'));
    assert.ok(inbound.some((e) => e.action === 'UPDATE' && e.value?.status === 'answered'));
    assert.ok(reply.some((e) => e.action === 'CREATE'));
    assert.ok(reply.some((e) => e.action === 'UPDATE' && e.value?.status === 'sent'));
    const [rows] = await client.run<[{ text: string }[]]>('query', {
      sql: "SELECT text FROM message WHERE role = 'user'",
    });
    assert.deepEqual(
      rows.map((r) => r.text),
      ['watched live'],
    );
  });

  test('a failed reply put back to pending (the desktop’s “Send again”) is sent, once, without a restart', async () => {
    telegram.blockChat(9);
    const sentBefore = telegram.sent.length;
    telegram.sendText({ chatId: 9, userId: 9, text: 'blocked for now' });
    await telegram.waitFor((call) => call.method === 'sendMessage' && call.status === 403, {
      timeoutMs: 10_000,
    });
    let failed: { id: string; status: string }[] = [];
    for (let i = 0; i < 50 && failed.length === 0; i++) {
      [failed] = await client.run<[{ id: string; status: string }[]]>('query', {
        sql: "SELECT id, status FROM message WHERE role = 'assistant' AND status = 'failed'",
      });
      if (failed.length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(failed.length, 1, 'the reply Telegram refused is marked failed');
    telegram.blockedChats.delete(9);
    // What the desktop's "Send again" writes (src-main/services/data.ts).
    await client.run('query', {
      sql: `BEGIN; UPDATE ${failed[0]!.id} SET status = 'pending', error = NONE;
            CREATE retry_request SET message = ${failed[0]!.id}; COMMIT;`,
    });
    await telegram.waitForSent(sentBefore + 1, { timeoutMs: 10_000 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(telegram.sent.filter((s) => s.text.includes('blocked for now')).length, 1);
  });

  test('a second agent with MONO_DB_URL keeps its conversations in the first agent’s datastore', async () => {
    const second = await new AgentProcess(
      agentEnv(
        otherData.dir,
        { telegram: otherTelegram, anthropic },
        {
          MONO_ALLOW_TELEGRAM: '*',
          // Everyone may talk; the owner is someone else (with no owner the agent answers only "not set up yet").
          MONO_OWNER_CHAT: 'telegram:1',
          MONO_DB_URL: agent.hubAddress!,
          MONO_DB_USER: HUB_USER,
          MONO_DB_PASS: HUB_PASS,
        },
      ),
    ).start();
    try {
      assert.equal((await second.health()).body.db, 'ok');
      otherTelegram.sendText({ chatId: 8, userId: 8, text: 'stored far away' });
      const [reply] = await otherTelegram.waitForSent(1, { timeoutMs: 10_000 });
      assert.match(reply!.text, /stored far away/);
      const [rows] = await client.run<[{ text: string; status: string }[]]>('query', {
        sql: "SELECT text, status FROM message WHERE text = 'stored far away'",
      });
      assert.deepEqual(rows, [{ text: 'stored far away', status: 'answered' }]);
    } finally {
      await second.stop();
    }
  });
});
