// The built agent answers Telegram messages (long polling) with Claude: history, strangers, redelivery, limits.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { echoResponder } from '../../fakes/anthropic-types.ts';
import { AgentWithFakes } from '../../helpers/agent-with-fakes.ts';
import { allowTimeForDuplicates } from '../../helpers/wait.ts';

const OWNER = 1001;

describe('telegram over long polling', { timeout: 60_000 }, () => {
  const suite = new AgentWithFakes({ MONO_ALLOW_TELEGRAM: String(OWNER) });
  const { telegram, anthropic } = suite;
  before(suite.start);
  after(suite.close);

  test('health reports the datastore and the polling channel', async () => {
    const { status, body } = await suite.agent.health();
    assert.equal(status, 200);
    assert.equal(body.status, 'ok');
    assert.equal(body.db, 'ok');
    assert.deepEqual(body.channels, { telegram: 'polling', whatsapp: 'off', email: 'off' });
    assert.equal(typeof body.version, 'string');
  });

  test('an allowed user gets Claude’s answer, and the next turn carries the history', async () => {
    telegram.sendText({ chatId: OWNER, userId: OWNER, text: 'My name is Ada.' });
    const [first] = await telegram.waitForSent(1, { timeoutMs: 10_000 });
    assert.match(first!.text, /My name is Ada\./);
    assert.equal(String(first!.chat_id), String(OWNER));

    telegram.sendText({ chatId: OWNER, userId: OWNER, text: 'What is my name?' });
    await telegram.waitForSent(2, { timeoutMs: 10_000 });
    const last = anthropic.requests.at(-1)!;
    const texts = last.messages.map((m) =>
      typeof m.content === 'string' ? m.content : JSON.stringify(m.content),
    );
    assert.deepEqual(
      last.messages.map((m) => m.role),
      ['user', 'assistant', 'user'],
    );
    assert.match(texts[0]!, /My name is Ada/);
    assert.match(texts[2]!, /What is my name/);
    assert.ok(JSON.stringify(last.system).includes('MONO'), 'the system prompt was sent');
  });

  test('while Claude takes its time the chat shows “typing…”', async () => {
    const sentBefore = telegram.sent.length;
    anthropic.delayMs = 1500;
    try {
      telegram.sendText({ chatId: OWNER, userId: OWNER, text: 'think about it' });
      await telegram.waitForSent(sentBefore + 1, { timeoutMs: 10_000 });
    } finally {
      anthropic.delayMs = 0;
    }
    const typing = telegram.calls.filter(
      (c) => c.method === 'sendChatAction' && String(c.params.chat_id) === String(OWNER),
    );
    assert.ok(typing.length >= 1, 'a typing indicator was shown');
    assert.equal(typing[0]!.params.action, 'typing');
  });

  test('a stranger gets a pairing code and never reaches Claude', async () => {
    const before = anthropic.requests.length;
    const sentBefore = telegram.sent.length;
    telegram.sendText({ chatId: 2002, userId: 2002, text: 'hello, who are you?' });
    await telegram.waitForSent(sentBefore + 1, { timeoutMs: 10_000 });
    const notice = telegram.sent.at(-1)!;
    assert.equal(String(notice.chat_id), '2002');
    assert.match(notice.text, /pairing code is [A-Z2-9]{6}/);
    telegram.sendText({ chatId: 2002, userId: 2002, text: 'please answer' });
    // Give the agent time to (wrongly) call Claude; a stranger's second message gets no second code either.
    await allowTimeForDuplicates();
    assert.equal(anthropic.requests.length, before);
    assert.equal(telegram.sent.filter((s) => String(s.chat_id) === '2002').length, 1);
  });

  test('the same message delivered twice is answered once', async () => {
    const sentBefore = telegram.sent.length;
    const update = telegram.sendText({ chatId: OWNER, userId: OWNER, text: 'only once please' });
    // Telegram redelivers an update it believes unconfirmed: same message, new update id.
    telegram.pushUpdate({ ...update, update_id: update.update_id + 1000 });
    await telegram.waitForSent(sentBefore + 1, { timeoutMs: 10_000 });
    await allowTimeForDuplicates();
    assert.equal(telegram.sent.filter((s) => s.text.includes('only once please')).length, 1);
  });

  test('a long reply is split at Telegram’s limit', async () => {
    const sentBefore = telegram.sent.length;
    const paragraph = `${'word '.repeat(180).trim()}.`;
    anthropic.respond = () => ({ text: Array.from({ length: 12 }, () => paragraph).join('\n\n') });
    try {
      telegram.sendText({ chatId: OWNER, userId: OWNER, text: 'tell me a long story' });
      const sent = await telegram.waitForSent(sentBefore + 3, { timeoutMs: 10_000 });
      const parts = sent.slice(sentBefore);
      assert.ok(parts.length >= 3);
      for (const part of parts) assert.ok(part.text.length <= 4096);
      assert.equal(
        parts
          .map((p) => p.text)
          .join('\n\n')
          .split('word').length - 1,
        12 * 180,
      );
    } finally {
      anthropic.respond = echoResponder;
    }
  });
});
