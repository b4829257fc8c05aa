// Nothing lost, nothing twice: kill -9 in the middle of turns and deliveries, upstream errors and retries.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { MAX_TYPING_IN_FLIGHT } from '../../../agent-core/agent/typing.ts';
import { FakeAnthropic } from '../../fakes/anthropic-server.ts';
import { FakeTelegram } from '../../fakes/telegram-server.ts';
import { agentEnv } from '../../helpers/agent-env.ts';
import { AgentProcess, tempDataDir } from '../../helpers/agent-process.ts';
import { queryDataDir } from '../../helpers/inspect-datastore.ts';
import { allowTimeForDuplicates } from '../../helpers/wait.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Eight agents started in turn, with retries that wait as asked: a loaded machine needs minutes.
describe('reliability', { timeout: 240_000 }, () => {
  const telegram = new FakeTelegram();
  const anthropic = new FakeAnthropic();
  let data: ReturnType<typeof tempDataDir>;
  let agent: AgentProcess | undefined;
  const env = () =>
    agentEnv(
      data.dir,
      { telegram, anthropic },
      {
        MONO_ALLOW_TELEGRAM: '*',
        MONO_OWNER_CHAT: 'telegram:1',
        // Two hundred turns held in Claude at once (the default lets 8 call at a time).
        MONO_CLAUDE_CONCURRENCY: '200',
      },
    );

  before(async () => {
    await telegram.start();
    await anthropic.start();
  });
  afterEach(async () => {
    await agent?.stop();
    agent = undefined;
    anthropic.release();
    anthropic.clearFaults();
    telegram.clearFaults();
    data?.remove();
  });
  after(async () => {
    await telegram.close();
    await anthropic.close();
  });

  test('kill -9 while Claude is thinking: after restart every message is answered exactly once', async () => {
    data = tempDataDir();
    agent = await new AgentProcess(env()).start();
    anthropic.hold();
    const sentBefore = telegram.sent.length;
    for (const chat of [11, 12, 13])
      telegram.sendText({ chatId: chat, userId: chat, text: `question from ${chat}` });
    await anthropic.waitForHeld(3, { timeoutMs: 10_000 });
    await agent.kill();
    anthropic.release();
    assert.equal(telegram.sent.length, sentBefore, 'nothing was sent before the crash');

    agent = await new AgentProcess(env()).start();
    await telegram.waitForSent(sentBefore + 3, { timeoutMs: 15_000 });
    await allowTimeForDuplicates();
    const replies = telegram.sent.slice(sentBefore);
    assert.equal(replies.length, 3);
    for (const chat of [11, 12, 13]) {
      assert.equal(
        replies.filter((r) => String(r.chat_id) === String(chat)).length,
        1,
        `one reply in chat ${chat}`,
      );
      assert.ok(replies.some((r) => r.text.includes(`question from ${chat}`)));
    }
  });

  test('kill -9 while a reply waits to be sent: the restart sends it, once', async () => {
    data = tempDataDir();
    agent = await new AgentProcess(env()).start();
    // Telegram asks to wait a long time; the agent is killed while it waits.
    telegram.failNext('sendMessage', 1, { retryAfter: 60 });
    const sentBefore = telegram.sent.length;
    telegram.sendText({ chatId: 21, userId: 21, text: 'deliver me' });
    await telegram.waitFor((call) => call.method === 'sendMessage' && call.status === 429, {
      timeoutMs: 10_000,
    });
    const claudeCalls = anthropic.requests.length;
    await agent.kill();

    agent = await new AgentProcess(env()).start();
    await telegram.waitForSent(sentBefore + 1, { timeoutMs: 10_000 });
    await allowTimeForDuplicates();
    assert.equal(telegram.sent.filter((s) => s.text.includes('deliver me')).length, 1);
    assert.equal(
      anthropic.requests.length,
      claudeCalls,
      'the stored reply was sent; Claude was not asked again',
    );
  });

  test('Claude rate limits are retried as asked, and the user never notices', async () => {
    data = tempDataDir();
    agent = await new AgentProcess(env()).start();
    anthropic.failNext(2, 429, { retryAfter: 1 });
    const sentBefore = telegram.sent.length;
    const callsBefore = anthropic.log.length;
    telegram.sendText({ chatId: 31, userId: 31, text: 'busy day?' });
    const sent = await telegram.waitForSent(sentBefore + 1, { timeoutMs: 15_000 });
    await sleep(500);
    assert.equal(telegram.sent.length, sentBefore + 1, 'one message: the answer, no notice');
    assert.match(sent.at(-1)!.text, /^Echo: busy day\?$/);
    // Two refusals, then the answer; each try came after the retry-after Claude asked for (1 s).
    const tries = anthropic.log.slice(callsBefore);
    assert.deepEqual(
      tries.map((c) => c.status),
      [429, 429, 200],
    );
    for (let i = 1; i < tries.length; i++) {
      const gap = tries[i]!.time - tries[i - 1]!.time;
      assert.ok(gap >= 950, `try ${i + 1} waited ${Math.round(gap)} ms after a retry-after of 1 s`);
    }
  });

  test('when Claude stays unreachable the user gets a short notice and the message is marked failed', async () => {
    data = tempDataDir();
    agent = await new AgentProcess(env()).start();
    anthropic.failAlways(529, { retryAfter: 1 });
    const sentBefore = telegram.sent.length;
    telegram.sendText({ chatId: 41, userId: 41, text: 'are you there?' });
    const sent = await telegram.waitForSent(sentBefore + 1, { timeoutMs: 30_000 });
    assert.match(sent.at(-1)!.text, /can't reach/);
    await agent.stop();
    agent = undefined;
    const [rows] = await queryDataDir<[{ status: string; error: string }[]]>(
      data.dir,
      "SELECT status, error FROM message WHERE direction = 'in'",
    );
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.status, 'failed');
    assert.match(rows[0]!.error, /529/);
  });

  test('Telegram rate limits on sendMessage are retried after retry_after', async () => {
    data = tempDataDir();
    agent = await new AgentProcess(env()).start();
    telegram.failNext('sendMessage', 2, { retryAfter: 2 });
    const sentBefore = telegram.sent.length;
    telegram.sendText({ chatId: 51, userId: 51, text: 'slowly' });
    await telegram.waitForSent(sentBefore + 1, { timeoutMs: 15_000 });
    await sleep(500);
    assert.equal(telegram.sent.filter((s) => s.text.includes('slowly')).length, 1);
    // Two 429s, then the message; each try came after the retry_after Telegram asked for (2 s).
    const tries = telegram.calls.filter(
      (c) => c.method === 'sendMessage' && String(c.params.chat_id) === '51',
    );
    assert.deepEqual(
      tries.map((c) => c.status),
      [429, 429, 200],
    );
    for (let i = 1; i < tries.length; i++) {
      const gap = tries[i]!.time - tries[i - 1]!.time;
      assert.ok(gap >= 1950, `try ${i + 1} waited ${Math.round(gap)} ms after a retry_after of 2 s`);
    }
  });

  test('formatting Telegram rejects is resent as plain text', async () => {
    data = tempDataDir();
    agent = await new AgentProcess(env()).start();
    telegram.rejectParseMode = true;
    try {
      const sentBefore = telegram.sent.length;
      telegram.sendText({ chatId: 61, userId: 61, text: 'use **bold**' });
      const sent = await telegram.waitForSent(sentBefore + 1, { timeoutMs: 10_000 });
      assert.equal(sent.at(-1)!.parse_mode, undefined);
      assert.match(sent.at(-1)!.text, /\*\*bold\*\*/);
    } finally {
      telegram.rejectParseMode = false;
    }
  });

  test('token usage and cost are recorded per message and per day', async () => {
    data = tempDataDir();
    agent = await new AgentProcess(env()).start();
    const sentBefore = telegram.sent.length;
    telegram.sendText({ chatId: 71, userId: 71, text: 'count my tokens' });
    telegram.sendText({ chatId: 72, userId: 72, text: 'and mine' });
    await telegram.waitForSent(sentBefore + 2, { timeoutMs: 10_000 });
    await agent.stop();
    agent = undefined;
    const [replies, days] = await queryDataDir<
      [{ usage: Record<string, number> }[], Record<string, number>[]]
    >(data.dir, "SELECT usage FROM message WHERE role = 'assistant'; SELECT * FROM usage;");
    assert.equal(replies.length, 2);
    for (const reply of replies) {
      assert.ok(reply.usage.input_tokens! > 0 && reply.usage.output_tokens! > 0);
      assert.ok(reply.usage.cost_usd! > 0);
      assert.equal(typeof reply.usage.cache_read_input_tokens, 'number');
    }
    assert.equal(days.length, 1);
    assert.equal(days[0]!.requests, 2);
    assert.equal(
      days[0]!.input_tokens,
      replies.reduce((sum, r) => sum + r.usage.input_tokens!, 0),
    );
  });

  test('200 conversations answered at the same moment: every one exactly once, typing shown within limits', async () => {
    data = tempDataDir();
    agent = await new AgentProcess(env()).start();
    anthropic.hold();
    const sentBefore = telegram.sent.length;
    const chats = Array.from({ length: 200 }, (_, i) => 80_000 + i);
    // Typing indicators are limited: a slow Bot API must not collect one open request per waiting chat.
    telegram.setDelay('sendChatAction', 200);
    let typingInFlight = 0;
    const sampler = setInterval(() => {
      const open = telegram.calls.filter((c) => c.method === 'sendChatAction' && c.status === undefined);
      typingInFlight = Math.max(typingInFlight, open.length);
    }, 20);
    for (const chat of chats) telegram.sendText({ chatId: chat, userId: chat, text: `crowd ${chat}` });
    await anthropic.waitForHeld(chats.length, { timeoutMs: 30_000 });
    await sleep(1500); // past the first indicator of every chat
    clearInterval(sampler);
    telegram.setDelay('sendChatAction', 0);
    const typing = telegram.calls.filter((c) => c.method === 'sendChatAction').length;
    assert.ok(typing >= MAX_TYPING_IN_FLIGHT, `chats were shown typing (${typing} indicators)`);
    assert.ok(typingInFlight <= MAX_TYPING_IN_FLIGHT, `${typingInFlight} typing requests open at once`);
    // All replies are stored at once: they update the same usage row and must not lose a turn to a conflict.
    anthropic.release();
    await telegram.waitForSent(sentBefore + chats.length, { timeoutMs: 30_000 });
    await sleep(500);
    const replies = telegram.sent.slice(sentBefore);
    assert.equal(replies.length, chats.length);
    assert.equal(new Set(replies.map((r) => String(r.chat_id))).size, chats.length);
  });
});
