// A bot whose webhook was left set (by another setup, or an earlier MONO in webhook mode) still works over long
// polling: Telegram refuses getUpdates with 409 while a webhook is set, the agent then deletes the webhook once,
// keeping the updates Telegram holds, and answers the message that waited. A start without a webhook does not
// spend a round trip on deleting one.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AgentWithFakes } from '../../helpers/agent-with-fakes.ts';
import { allowTimeForDuplicates } from '../../helpers/wait.ts';

const OWNER = 1001;

describe('a telegram webhook left over from another setup', { timeout: 60_000 }, () => {
  const suite = new AgentWithFakes({ MONO_ALLOW_TELEGRAM: String(OWNER) });
  const { telegram } = suite;
  before(async () => {
    telegram.webhook = { url: 'https://old-server.example/telegram', max_connections: 40 };
    telegram.sendText({ chatId: OWNER, userId: OWNER, text: 'sent while the old webhook was set' });
    await suite.start();
  });
  after(suite.close);

  test('is deleted when Telegram refuses to poll for it, and the message that waited is answered once', async () => {
    const [reply] = await telegram.waitForSent(1, { timeoutMs: 15_000 });
    assert.match(reply!.text, /sent while the old webhook was set/);
    assert.equal(telegram.webhook, undefined, 'the webhook is gone');
    const calls = telegram.calls.map((c) => `${c.method} ${c.status}`);
    const refused = calls.indexOf('getUpdates 409');
    const deleted = calls.indexOf('deleteWebhook 200');
    assert.ok(
      refused >= 0 && deleted > refused,
      `getUpdates refused, then the webhook deleted: ${calls.join(', ')}`,
    );
    assert.equal(calls.filter((c) => c.startsWith('deleteWebhook')).length, 1, 'deleted once');
    const deleteCall = telegram.calls.find((c) => c.method === 'deleteWebhook');
    assert.notEqual(deleteCall?.params.drop_pending_updates, true, 'the updates Telegram held are kept');
    await allowTimeForDuplicates();
    assert.equal(telegram.sent.length, 1, 'answered once');
    const { channels } = (await suite.agent.health()).body as { channels?: Record<string, string> };
    assert.equal(channels?.telegram, 'polling');
  });

  test('a delete Telegram refuses is tried again after the backoff, and the waiting message is answered once', async () => {
    await suite.agent.stop();
    telegram.webhook = { url: 'https://old-server.example/telegram', max_connections: 40 };
    telegram.failNextWith('deleteWebhook', 1, { error_code: 500, description: 'Internal Server Error' });
    const before = telegram.calls.length;
    const answered = telegram.sent.length;
    telegram.sendText({ chatId: OWNER, userId: OWNER, text: 'sent while the delete failed' });
    await suite.agent.start();
    const reply = (await telegram.waitForSent(answered + 1, { timeoutMs: 20_000 })).at(-1);
    assert.match(reply!.text, /sent while the delete failed/);
    assert.equal(telegram.webhook, undefined, 'the webhook is gone');
    const deletes = telegram.calls
      .slice(before)
      .filter((c) => c.method === 'deleteWebhook')
      .map((c) => c.status);
    assert.deepEqual(deletes, [500, 200], 'refused once, then deleted');
    await allowTimeForDuplicates();
    assert.equal(telegram.sent.length, answered + 1, 'answered once');
  });

  test('after a restart without a webhook, polling starts without deleting one', async () => {
    await suite.agent.stop();
    const before = telegram.calls.length;
    await suite.agent.start();
    const answered = telegram.sent.length;
    telegram.sendText({ chatId: OWNER, userId: OWNER, text: 'after the restart' });
    await telegram.waitForSent(answered + 1, { timeoutMs: 15_000 });
    const since = telegram.calls.slice(before).map((c) => c.method);
    assert.ok(since.includes('getUpdates'));
    assert.equal(since.includes('deleteWebhook'), false, `no deleteWebhook call: ${since.join(', ')}`);
  });
});
