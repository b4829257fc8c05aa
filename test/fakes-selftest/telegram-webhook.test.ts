// FakeTelegram's webhook side with grammY's own webhookCallback: setWebhook, delivery with the secret
// header, refused deliveries, and the 409 Telegram answers to getUpdates while a webhook is set.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Bot, GrammyError, webhookCallback } from 'grammy';
import { FAKE_TELEGRAM_TOKEN, FakeTelegram } from '../fakes/telegram-server.ts';

describe('FakeTelegram webhooks', { timeout: 10_000 }, () => {
  const fake = new FakeTelegram();
  let bot: Bot;
  let server: Server;
  let hookUrl = '';

  before(async () => {
    const { url } = await fake.start();
    bot = new Bot(FAKE_TELEGRAM_TOKEN, { client: { apiRoot: url } });
    bot.on('message:text', (ctx) => ctx.reply(`hook: ${ctx.message.text}`));
    await bot.init();
    server = createServer(webhookCallback(bot, 'http', { secretToken: 'hook-secret_1' }));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    hookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/telegram`;
  });
  after(async () => {
    server.close();
    server.closeAllConnections();
    await fake.close();
  });

  test('setWebhook registers url and secret; delivery carries the secret header and the bot answers', async () => {
    fake.sendText({ chatId: 1, userId: 1, text: 'stale' });
    assert.equal(
      await bot.api.setWebhook(hookUrl, { secret_token: 'hook-secret_1', drop_pending_updates: true }),
      true,
    );
    assert.equal(fake.pendingUpdates, 0, 'drop_pending_updates dropped the queued update');
    const info = await bot.api.getWebhookInfo();
    assert.equal(info.url, hookUrl);
    assert.equal(info.pending_update_count, 0);

    const update = fake.sendText({ chatId: 9, userId: 9, text: 'ping' });
    assert.equal(fake.pendingUpdates, 1);
    assert.equal(await fake.deliverToWebhook(update), 200);
    assert.equal(fake.pendingUpdates, 0, 'a 200 confirms the update');
    const [sent] = await fake.waitForSent(1);
    assert.equal(sent!.text, 'hook: ping');
    assert.equal(sent!.chat_id, 9);
  });

  test('a delivery with the wrong secret is refused and shows up in getWebhookInfo', async () => {
    fake.webhook!.secret_token = 'not-the-secret';
    const update = fake.sendText({ chatId: 9, userId: 9, text: 'forged' });
    assert.equal(await fake.deliverToWebhook(update), 401);
    assert.equal(fake.pendingUpdates, 1, 'a refused update stays pending');
    const info = await bot.api.getWebhookInfo();
    assert.match(info.last_error_message ?? '', /Wrong response from the webhook: 401/);
    fake.webhook!.secret_token = 'hook-secret_1';
    assert.deepEqual(await fake.deliverPending(), [200]);
    await fake.waitFor((c) => c.method === 'sendMessage' && c.params.text === 'hook: forged');
  });

  test('getUpdates while a webhook is set is 409 Conflict; deleteWebhook lifts it', async () => {
    const conflict = await bot.api.getUpdates().catch((e: unknown) => e);
    assert.ok(conflict instanceof GrammyError);
    assert.equal(conflict.error_code, 409);
    assert.match(conflict.description, /^Conflict: can't use getUpdates method while webhook is active/);
    await assert.rejects(
      bot.api.setWebhook(hookUrl, { secret_token: 'bad secret!' }),
      /secret token contains unallowed characters/,
    );
    assert.equal(await bot.api.deleteWebhook(), true);
    assert.deepEqual(await bot.api.getUpdates(), []);
    await assert.rejects(
      fake.deliverToWebhook(fake.sendText({ chatId: 1, userId: 1, text: 'x' })),
      /has no webhook/,
    );
  });
});
