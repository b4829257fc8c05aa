// Money and owner commands through the built agent: /status, /budget, /pause, /resume, /jobs; messages that
// arrive while paused are answered on /resume, once; at the cap the agent stops calling Claude, tells the owner
// once, gives contacts a short notice, and resumes when the cap is raised.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FakeAnthropic } from '../../fakes/anthropic-server.ts';
import { FakeTelegram } from '../../fakes/telegram-server.ts';
import { agentEnv } from '../../helpers/agent-env.ts';
import { AgentProcess, tempDataDir } from '../../helpers/agent-process.ts';
import { queryDataDir } from '../../helpers/inspect-datastore.ts';
import { eventually, sleep } from '../../helpers/wait.ts';

const OWNER = 4301;
const GUEST = 4302;

describe('budget and owner commands', { timeout: 90_000 }, () => {
  const telegram = new FakeTelegram();
  const anthropic = new FakeAnthropic();
  const data = tempDataDir();
  let agent: AgentProcess;

  /** Sends a message and resolves to the next message sent to that chat. */
  const ask = async (text: string, from = OWNER) => {
    const before = telegram.sent.length;
    telegram.sendText({ chatId: from, userId: from, text });
    const sent = await telegram.waitForSent(before + 1, { timeoutMs: 10_000 });
    return sent.slice(before).find((s) => String(s.chat_id) === String(from))?.text ?? '';
  };

  before(async () => {
    await telegram.start();
    await anthropic.start();
    // Everyone may talk (`*`); the owner is named by the owner_chat setting, written while the agent is down.
    // The owner lives in India (UTC+5:30 all year), where a UTC day starts at 05:30.
    const env = agentEnv(
      data.dir,
      { telegram, anthropic },
      { MONO_ALLOW_TELEGRAM: '*', MONO_JOB_TICK_MS: '200', MONO_TIMEZONE: 'Asia/Kolkata' },
    );
    await (await new AgentProcess(env).start()).stop();
    await queryDataDir(
      data.dir,
      `UPSERT setting:owner_chat SET key = 'owner_chat', value = 'telegram:${OWNER}'`,
    );
    agent = await new AgentProcess(env).start();
  });

  after(async () => {
    await agent?.stop();
    await telegram.close();
    await anthropic.close();
    data.remove();
  });

  test('/status tells version, uptime, today’s cost and channels — without calling Claude', async () => {
    assert.match(await ask('hello'), /Echo: hello/);
    const calls = anthropic.requests.length;
    const status = await ask('/status');
    assert.match(status, /^MONO \d+\.\d+\.\d+/);
    assert.match(status, /Up for \d+ s/);
    assert.match(status, /Cost today: \$0\.\d{4}/);
    assert.match(status, /telegram: polling/);
    assert.equal(anthropic.requests.length, calls);
    assert.match(await ask('/jobs'), /No scheduled jobs/);
  });

  test('/pause stops answering (and calling Claude); what arrived meanwhile is answered on /resume, once', async () => {
    assert.match(await ask('/pause'), /Paused/);
    const calls = anthropic.requests.length;
    assert.match(await ask('are you there?'), /^Paused: I'll answer this once you resume/);
    // A guest hears that their message waits, once per pause.
    assert.match(await ask('hello from a guest', GUEST), /paused by my owner.*waits here/s);
    const quiet = telegram.sent.length;
    telegram.sendText({ chatId: GUEST, userId: GUEST, text: 'still there?' });
    // Stored before the owner resumes (Telegram's update is confirmed only once it is): else, on a busy machine,
    // it could arrive after /resume and simply be answered then.
    await eventually(() => telegram.pendingUpdates === 0, 'the guest’s second message to be stored');
    assert.match(await ask('/status'), /paused/);
    assert.equal(telegram.sent.length, quiet + 1, 'the guest was told once, the owner got /status only');
    assert.equal(anthropic.requests.length, calls, 'Claude was not called while paused');

    const before = telegram.sent.length;
    telegram.sendText({ chatId: OWNER, userId: OWNER, text: '/resume' });
    const sent = await telegram.waitForSent(before + 4, { timeoutMs: 15_000 });
    const texts = sent.slice(before).map((s) => `${s.chat_id}: ${s.text}`);
    assert.ok(
      texts.includes(
        `${OWNER}: Resumed: I am answering again, starting with 3 messages that arrived while paused (oldest first).`,
      ),
      texts.join('\n'),
    );
    assert.ok(
      texts.some((t) => t.startsWith(`${OWNER}: Echo:`) && t.endsWith('are you there?')),
      texts.join('\n'),
    );
    const guest = texts.filter((t) => t.startsWith(`${GUEST}: Echo:`));
    assert.equal(guest.length, 2, texts.join('\n'));
    assert.ok(guest[0]!.endsWith('hello from a guest') && guest[1]!.endsWith('still there?'), 'oldest first');
    await sleep(1500);
    assert.equal(telegram.sent.length, before + 4, 'each waiting message answered exactly once');
    assert.match(await ask('and now?'), /Echo: .*and now\?$/s);
  });

  test('/resume skip leaves what arrived while paused unanswered', async () => {
    assert.match(await ask('/pause'), /Paused/);
    assert.match(await ask('note while paused'), /^Paused/);
    assert.match(
      await ask('/resume skip'),
      /^Resumed: I am answering again\. 1 message that arrived while paused will not be answered/,
    );
    const calls = anthropic.requests.length;
    await sleep(1500);
    assert.equal(anthropic.requests.length, calls, 'the skipped message did not go to Claude');
  });

  test('at the daily cap: no more calls, the owner is told once, and raising the cap resumes', async () => {
    assert.match(
      await ask('/budget day 0.0001'),
      /Today: \$0\.\d+ of \$0\.0001.*Over the day cap: I am not calling Claude until (today|tomorrow) at 05:30 your time \(00:00 UTC\)\./s,
    );
    const calls = anthropic.requests.length;
    // Over the cap: the owner hears it once, with when it starts over in their time and how to raise it.
    assert.match(
      await ask('what is the weather?'),
      /reached your daily budget.*I'll be back (today|tomorrow) at 05:30 your time \(00:00 UTC\), or right away.*\/budget day/s,
    );
    const sent = telegram.sent.length;
    telegram.sendText({ chatId: OWNER, userId: OWNER, text: 'hello again?' });
    // A contact hears why there is no answer (each time); the owner was told once.
    assert.match(await ask('hi from a guest', GUEST), /can't answer right now: my owner's usage limit/);
    await sleep(1500);
    assert.equal(telegram.sent.length, sent + 1, 'no second notice for the owner');
    assert.equal(anthropic.requests.length, calls, 'Claude was not called');

    assert.match(await ask('/budget day 50'), /Today: .* of \$50\.00.*Within budget/s);
    // Messages left unanswered at the cap stay in the history Claude sees next.
    assert.match(await ask('back?'), /^Echo: what is the weather\?.*back\?$/s);
    assert.match(await ask('/budget day off'), /daily cap is off/);
    assert.match(await ask('/budget month abc'), /Give the cap in US dollars/);
  });

  test('guests cannot use owner commands; the spending is recorded per day and model', async () => {
    assert.match(await ask('/pause', GUEST), /^Echo: .*\/pause$/s, 'a guest’s /pause goes to Claude as text');
    await agent.stop();
    const [usage, status] = await queryDataDir<[Record<string, unknown>[], Record<string, unknown>[]]>(
      data.dir,
      'SELECT * FROM usage; SELECT paused, budget_notice FROM agent_status;',
    );
    assert.equal(usage.length, 1);
    assert.ok((usage[0]!.cost_usd as number) > 0);
    assert.ok((usage[0]!.requests as number) >= 4);
    assert.equal(status[0]!.paused, false);
    assert.match(String(status[0]!.budget_notice), /^day:\d{4}-\d{2}-\d{2}$/);
  });
});
