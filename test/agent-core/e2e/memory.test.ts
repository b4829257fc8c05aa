// Memory and long conversations through the built agent: a fact saved with the remember tool is recalled by
// relevance after a restart; the history sent to Claude stays bounded, older turns are summarized and the
// facts in them saved to memory before they leave the window; the cached prefix is reused across turns.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FakeAnthropic } from '../../fakes/anthropic-server.ts';
import { echoResponder, lastUserText, type MessagesRequest } from '../../fakes/anthropic-types.ts';
import { FakeTelegram } from '../../fakes/telegram-server.ts';
import { agentEnv } from '../../helpers/agent-env.ts';
import { AgentProcess, tempDataDir } from '../../helpers/agent-process.ts';
import { queryDataDir } from '../../helpers/inspect-datastore.ts';
import { isToolResult, systemText } from '../jobs/harness.ts';

const OWNER = 4501;
const LIMIT = 6;

describe('memory and long conversations', { timeout: 90_000 }, () => {
  const telegram = new FakeTelegram();
  const anthropic = new FakeAnthropic();
  const data = tempDataDir();
  let agent: AgentProcess | undefined;
  const start = () =>
    new AgentProcess(
      agentEnv(
        data.dir,
        { telegram, anthropic },
        { MONO_ALLOW_TELEGRAM: String(OWNER), MONO_HISTORY_LIMIT: String(LIMIT) },
      ),
    ).start();
  const ask = async (text: string) => {
    const before = telegram.sent.length;
    telegram.sendText({ chatId: OWNER, userId: OWNER, text });
    return (await telegram.waitForSent(before + 1, { timeoutMs: 10_000 })).at(-1)!.text;
  };
  const summaryRequests = () => anthropic.requests.filter((r) => systemText(r).includes('long-term memory'));
  const turnRequests = () => anthropic.requests.filter((r) => !systemText(r).includes('long-term memory'));

  before(async () => {
    await telegram.start();
    await anthropic.start();
    anthropic.respond = (request: MessagesRequest) => {
      if (systemText(request).includes('long-term memory')) {
        return {
          text: 'SUMMARY: The owner talked about planning a trip to Lisbon.\nFACT: The owner is vegetarian.',
        };
      }
      if (isToolResult(request)) return { text: 'Noted.' };
      if (lastUserText(request).startsWith('remember')) {
        return { toolUse: { name: 'remember', input: { fact: 'The owner loves green tea.' } } };
      }
      return echoResponder(request, { index: 0, headers: {} });
    };
    agent = await start();
  });

  after(async () => {
    await agent?.stop();
    await telegram.close();
    await anthropic.close();
    data.remove();
  });

  test('a remembered fact is recalled by relevance after a restart', async () => {
    assert.equal(await ask('remember that I love green tea'), 'Noted.');
    await agent!.stop();
    agent = await start();
    await ask('any tea recommendation for tonight?');
    const context = systemText(anthropic.requests.at(-1)!);
    assert.match(context, /What you remember about the owner:\n- The owner loves green tea\./);
    await ask('what about the weather?');
    assert.doesNotMatch(systemText(anthropic.requests.at(-1)!), /green tea/, 'recalled only when relevant');
  });

  test('history stays bounded; older turns are summarized and their facts kept', async () => {
    for (let i = 1; i <= 6; i++) await ask(`Lisbon plan, part ${i}`);
    assert.ok(summaryRequests().length >= 1, 'older turns were summarized');
    const excerpt = lastUserText(summaryRequests()[0]!);
    assert.match(excerpt, /remember that I love green tea/, 'the oldest turns went into the summary');
    for (const request of turnRequests())
      assert.ok(request.messages.length <= LIMIT, `at most ${LIMIT} messages sent`);
    const last = anthropic.requests.at(-1)!;
    assert.match(
      systemText(last),
      /Summary of the earlier conversation: The owner talked about planning a trip to Lisbon\./,
    );
    assert.match(lastUserText(last), /Lisbon plan, part 6/);

    // The fact found in the summarized turns is in memory, and is recalled later.
    await ask('is there a vegetarian place nearby?');
    assert.match(systemText(anthropic.requests.at(-1)!), /- The owner is vegetarian\./);
  });

  test('the stable prefix is served from the prompt cache on later turns', async () => {
    await agent!.stop();
    agent = undefined;
    const [replies, [conversation], memory] = await queryDataDir<
      [{ usage: Record<string, number> }[], Record<string, unknown>[], { text: string; source: string }[]]
    >(
      data.dir,
      `SELECT usage, created_at FROM message WHERE role = 'assistant' ORDER BY created_at;
       SELECT summary, summary_until FROM conversation; SELECT text, source FROM memory;`,
    );
    assert.ok(
      replies.slice(1).some((r) => r.usage.cache_read_input_tokens! > 0),
      'cache reads recorded',
    );
    assert.match(String(conversation!.summary), /Lisbon/);
    assert.ok(conversation!.summary_until);
    assert.deepEqual(memory.map((m) => `${m.source}: ${m.text}`).sort(), [
      'summary: The owner is vegetarian.',
      'tool: The owner loves green tea.',
    ]);
  });
});
