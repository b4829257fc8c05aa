// FakeTelegram driven by the real grammY + @grammyjs/runner: long polling, offsets, replies, limits, 429s.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { autoRetry } from '@grammyjs/auto-retry';
import { run } from '@grammyjs/runner';
import { Bot, GrammyError } from 'grammy';
import { FAKE_TELEGRAM_TOKEN, FakeTelegram } from '../fakes/telegram-server.ts';

describe('FakeTelegram with grammY', { timeout: 10_000 }, () => {
  const fake = new FakeTelegram();
  let apiRoot = '';
  before(async () => {
    apiRoot = (await fake.start()).url;
  });
  after(() => fake.close());

  const newBot = (token = FAKE_TELEGRAM_TOKEN) => new Bot(token, { client: { apiRoot } });

  test('getMe answers the bot; a wrong token is 401 Unauthorized', async () => {
    const me = await newBot().api.getMe();
    assert.equal(me.id, 7000000001);
    assert.equal(me.is_bot, true);
    assert.equal(me.username, 'mono_test_bot');
    const error = await newBot('1:wrong')
      .api.getMe()
      .catch((e: unknown) => e);
    assert.ok(error instanceof GrammyError);
    assert.equal(error.error_code, 401);
    assert.equal(error.description, 'Unauthorized');
  });

  test('the runner receives a sendText update and ctx.reply reaches the fake as a reply', async () => {
    const bot = newBot();
    bot.on('message:text', (ctx) =>
      ctx.reply(`you said ${ctx.message.text}`, { reply_parameters: { message_id: ctx.message.message_id } }),
    );
    const runner = run(bot, { runner: { fetch: { timeout: 2 } } });
    try {
      await fake.waitFor((c) => c.method === 'getUpdates');
      const update = fake.sendText({
        chatId: 42,
        userId: 42,
        text: 'hello',
        firstName: 'Ada',
        username: 'ada',
      });
      const [sent] = await fake.waitForSent(1);
      assert.equal(sent!.chat_id, 42);
      assert.equal(sent!.text, 'you said hello');
      assert.equal(sent!.reply_parameters?.message_id, update.message!.message_id);
      assert.equal(sent!.message.reply_to_message?.message_id, update.message!.message_id);
      assert.ok(sent!.message_id > update.message!.message_id, 'message ids increase within a chat');
      // The runner confirmed the update with its next offset, so nothing is pending any more.
      await fake.waitFor(
        (c) => c.method === 'getUpdates' && Number(c.params.offset) === update.update_id + 1,
      );
      assert.equal(fake.pendingUpdates, 0);
    } finally {
      await runner.stop();
    }
    // Stopping the runner closed its long poll; the fake released it instead of answering it.
    const lastPoll = fake.calls.filter((c) => c.method === 'getUpdates').at(-1)!;
    await fake.waitFor((c) => c === lastPoll && c.status === 499);
  });

  test('getUpdates honours offset, limit and timeout (long polling)', async () => {
    const api = newBot().api;
    const a = fake.sendText({ chatId: 7, userId: 7, text: 'a' });
    const b = fake.sendText({ chatId: 7, userId: 7, text: 'b' });
    assert.deepEqual(
      (await api.getUpdates({ limit: 1 })).map((u) => u.update_id),
      [a.update_id],
    );
    assert.deepEqual(
      (await api.getUpdates({ offset: a.update_id + 1 })).map((u) => u.message?.text),
      ['b'],
    );
    const held = api.getUpdates({ offset: b.update_id + 1, timeout: 5 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const c = fake.sendText({ chatId: 7, userId: 7, text: 'c' });
    assert.deepEqual(
      (await held).map((u) => u.update_id),
      [c.update_id],
    );
    await api.getUpdates({ offset: c.update_id + 1 });
    assert.equal(fake.pendingUpdates, 0);
    assert.deepEqual(await api.getUpdates({ timeout: 1 }), [], 'an empty long poll ends after its timeout');
  });

  test('sendMessage enforces 4096 characters and parse_mode rules', async () => {
    const api = newBot().api;
    const long = await api.sendMessage(1, 'x'.repeat(4097)).catch((e: unknown) => e);
    assert.ok(long instanceof GrammyError);
    assert.equal(long.description, 'Bad Request: message is too long');
    await api.sendMessage(1, 'x'.repeat(4096));
    await api.sendMessage(1, `<b>${'x'.repeat(4090)}</b>`, { parse_mode: 'HTML' });

    const reserved = await api.sendMessage(1, 'Done.', { parse_mode: 'MarkdownV2' }).catch((e: unknown) => e);
    assert.ok(reserved instanceof GrammyError);
    assert.match(reserved.description, /^Bad Request: can't parse entities: Character '\.' is reserved/);
    await api.sendMessage(1, '*Done\\.*', { parse_mode: 'MarkdownV2' });

    fake.rejectParseMode = true;
    const rejected = await api.sendMessage(1, '<b>hi</b>', { parse_mode: 'HTML' }).catch((e: unknown) => e);
    fake.rejectParseMode = false;
    assert.ok(rejected instanceof GrammyError);
    assert.match(rejected.description, /^Bad Request: can't parse entities: /);
    const plain = await api.sendMessage(1, '<b>hi</b>');
    assert.equal(plain.text, '<b>hi</b>');
  });

  test('429 reaches grammY as GrammyError with retry_after; auto-retry waits and succeeds', async () => {
    const bot = newBot();
    fake.failNext('sendMessage', 1, { retryAfter: 3 });
    const error = await bot.api.sendMessage(5, 'hi').catch((e: unknown) => e);
    assert.ok(error instanceof GrammyError);
    assert.equal(error.error_code, 429);
    assert.equal(error.parameters.retry_after, 3);
    assert.equal(error.description, 'Too Many Requests: retry after 3');

    bot.api.config.use(autoRetry());
    fake.failNext('sendMessage', 1, { retryAfter: 1 });
    const before = fake.calls.length;
    const message = await bot.api.sendMessage(5, 'after retry');
    assert.equal(message.text, 'after retry');
    const attempts = fake.calls.slice(before).filter((c) => c.method === 'sendMessage');
    assert.deepEqual(
      attempts.map((c) => c.status),
      [429, 200],
    );
  });

  test('sendChatAction, unknown methods and generic methods', async () => {
    const api = newBot().api;
    assert.equal(await api.sendChatAction(3, 'typing'), true);
    assert.equal(await api.setMyCommands([{ command: 'start', description: 'Start' }]), true);
    const unknown = await api.raw.getStickerSet({ name: 'x' }).catch((e: unknown) => e);
    assert.ok(unknown instanceof GrammyError);
    assert.equal(unknown.error_code, 404);
    assert.equal(unknown.description, 'Not Found');
  });

  test('parameters arrive as query, urlencoded or multipart just like JSON', async () => {
    const base = `${apiRoot}/bot${FAKE_TELEGRAM_TOKEN}/sendMessage`;
    const form = new FormData();
    form.set('chat_id', '11');
    form.set('text', '123');
    form.set('reply_markup', JSON.stringify({ inline_keyboard: [] }));
    const answers = await Promise.all([
      fetch(`${base}?chat_id=11&text=query`),
      fetch(base, { method: 'POST', body: new URLSearchParams({ chat_id: '11', text: 'urlencoded' }) }),
      fetch(base, { method: 'POST', body: form }),
    ]);
    for (const answer of answers) assert.equal((await answer.json()).ok, true);
    const mine = fake.sent.filter((s) => s.chat_id === 11);
    assert.deepEqual(mine.map((s) => s.text).sort(), ['123', 'query', 'urlencoded']);
    assert.deepEqual(mine.find((s) => s.text === '123')!.reply_markup, { inline_keyboard: [] });
  });

  test('waitFor rejects with a clear list of what was recorded', async () => {
    await assert.rejects(
      fake.waitFor((c) => c.method === 'sendPhoto', { timeoutMs: 20 }),
      /no matching call within 20 ms\. Recorded: getMe/,
    );
  });
});
