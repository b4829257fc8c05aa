// Lost network: Telegram and Claude refuse connections for a while (their fakes stop listening), messages keep
// arriving at Telegram meanwhile, then both come back with a backlog of hundreds. Stored messages wait instead of
// failing, the owner hears of each outage once, everything is answered once, replies go out at a pace Telegram
// accepts, and long polling resumes without losing or repeating an update.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FakeAnthropic } from '../../fakes/anthropic-server.ts';
import { FakeTelegram } from '../../fakes/telegram-server.ts';
import { agentEnv } from '../../helpers/agent-env.ts';
import { AgentProcess, tempDataDir } from '../../helpers/agent-process.ts';
import { eventually, sleep } from '../../helpers/wait.ts';

const OWNER = 7000;
const CHATS = Array.from({ length: 300 }, (_, i) => OWNER + i);

/** The most calls in any one-second window. */
function peakPerSecond(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let peak = 0;
  for (let start = 0, end = 0; end < sorted.length; end++) {
    while (sorted[end]! - sorted[start]! >= 1000) start++;
    peak = Math.max(peak, end - start + 1);
  }
  return peak;
}

describe('network loss', { timeout: 300_000 }, () => {
  const telegram = new FakeTelegram();
  const anthropic = new FakeAnthropic();
  const data = tempDataDir();
  let agent: AgentProcess | undefined;
  const texts: string[] = [];
  let next = 0;
  const send = (chats: number[]) => {
    for (const chat of chats) {
      const text = `ping #${next++}#`;
      texts.push(text);
      telegram.sendText({ chatId: chat, userId: chat, text });
    }
  };
  const repliesTo = (text: string) =>
    telegram.sent.filter((s) => s.text.startsWith('Echo: ') && s.text.endsWith(text)).length;

  before(async () => {
    await telegram.start();
    await anthropic.start();
  });
  after(async () => {
    await agent?.kill();
    await telegram.close();
    await anthropic.close();
    data.remove();
  });

  test('Telegram and Claude away for a while, then hundreds of messages: each answered once, at a pace Telegram accepts', async () => {
    agent = new AgentProcess(
      agentEnv(
        data.dir,
        { telegram, anthropic },
        {
          MONO_ALLOW_TELEGRAM: CHATS.join(','),
          MONO_RETRY_MAX_S: '2',
          MONO_OUTAGE_NOTICE_S: '3',
          // Turns held in Claude when it goes away (the default lets 8 call at a time).
          MONO_CLAUDE_CONCURRENCY: '16',
        },
      ),
    );
    await agent.start();
    let exited: number | null | undefined;
    void agent.exited().then((code) => (exited = code));
    send(CHATS.slice(0, 10));
    await eventually(() => texts.every((text) => repliesTo(text) === 1), 'the first answers', 20_000);

    // Ten turns are with Claude when the network goes.
    anthropic.hold();
    send(CHATS.slice(10, 20));
    await anthropic.waitForHeld(10, { timeoutMs: 20_000 });
    const sentBefore = telegram.sent.length;
    const lost = Date.now();
    await anthropic.offline();
    await telegram.offline();
    anthropic.release();
    // Hundreds of people write while the agent cannot see it.
    send(CHATS);
    await sleep(12_000);
    assert.equal(exited, undefined, 'the agent rode it out');
    assert.equal(telegram.sent.length, sentBefore, 'nothing could be sent');
    const health = await agent.health();
    assert.equal(health.body.status, 'ok', 'a network outage is not the agent being unwell');

    const back = Date.now();
    await anthropic.online();
    await telegram.online();
    await eventually(
      () => texts.every((text) => repliesTo(text) >= 1),
      'every message to be answered after the outage',
      120_000,
    ).catch((error) => {
      const missing = texts.filter((text) => repliesTo(text) === 0);
      throw new Error(
        `${(error as Error).message}: ${missing.length} unanswered (${missing.slice(0, 5).join(', ')})`,
      );
    });
    const drainedS = (Date.now() - back) / 1000;
    await sleep(2000);
    for (const text of texts) assert.equal(repliesTo(text), 1, `one reply to "${text}"`);

    // The pace: never more than Telegram's ~30 messages a second, nor more than a few a second in one chat.
    const sends = telegram.calls.filter((c) => c.method === 'sendMessage' && c.time >= back);
    const peak = peakPerSecond(sends.map((c) => c.time));
    assert.ok(peak <= 30, `at most 30 messages in any second (peak ${peak})`);
    for (const chat of CHATS.slice(0, 20)) {
      const own = sends.filter((c) => String(c.params.chat_id) === String(chat)).map((c) => c.time);
      assert.ok(peakPerSecond(own) <= 4, `chat ${chat}: at most 4 messages in a second`);
    }

    // The owner heard of each outage once: Claude while it lasted, Telegram (their own channel) once it ended.
    const notices = telegram.sent.filter(
      (s) => String(s.chat_id) === String(OWNER) && !s.text.startsWith('Echo'),
    );
    assert.equal(notices.filter((n) => /Claude/.test(n.text)).length, 1, JSON.stringify(notices));
    assert.equal(
      notices.filter((n) => /Telegram was unreachable/.test(n.text)).length,
      1,
      JSON.stringify(notices),
    );

    // Long polling resumed where it was: no update handed out twice, none skipped.
    const handedOut = telegram.calls
      .filter((c) => c.method === 'getUpdates' && c.status === 200)
      .flatMap((c) =>
        ((c.response as { result?: { update_id: number }[] }).result ?? []).map((u) => u.update_id),
      );
    assert.equal(new Set(handedOut).size, handedOut.length, 'no update was handed out twice');
    assert.equal(telegram.pendingUpdates, 0, 'every update was confirmed');

    const claudePeak = peakPerSecond(anthropic.log.filter((c) => c.time >= back).map((c) => c.time));
    console.log(
      `[figures] outage ${((back - lost) / 1000).toFixed(0)} s with 10 turns at Claude and ${CHATS.length} ` +
        `messages arriving: all ${texts.length} answered ${drainedS.toFixed(1)} s after the network returned ` +
        `(${(CHATS.length / drainedS).toFixed(1)} msg/s); sendMessage peak ${peak}/s; Claude peak ${claudePeak}/s`,
    );
  });
});
