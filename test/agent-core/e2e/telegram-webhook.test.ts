// Telegram by webhook: the secret header is required, updates are stored before the 200, redelivery answers once.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { agentEnv } from '../../helpers/agent-env.ts';
import { AgentProcess, tempDataDir } from '../../helpers/agent-process.ts';
import { AgentWithFakes } from '../../helpers/agent-with-fakes.ts';
import { queryDataDir } from '../../helpers/inspect-datastore.ts';
import { allowTimeForDuplicates, eventually } from '../../helpers/wait.ts';

const SECRET = 'webhook-secret_for-tests';

describe('telegram over a webhook', { timeout: 60_000 }, () => {
  const suite = new AgentWithFakes({
    MONO_ALLOW_TELEGRAM: '*',
    MONO_OWNER_CHAT: 'telegram:1',
    TELEGRAM_WEBHOOK_SECRET: SECRET,
  });
  const { telegram, anthropic, data } = suite;

  before(async () => {
    await suite.start();
    // What setWebhook would have told Telegram: where to deliver, with which secret.
    telegram.webhook = { url: `${suite.agent.httpUrl}/telegram`, secret_token: SECRET, max_connections: 40 };
  });
  after(suite.close);

  test('health says webhook; no long polling happens', async () => {
    const { body } = await suite.agent.health();
    assert.deepEqual(body.channels, { telegram: 'webhook', whatsapp: 'off', email: 'off' });
    assert.equal(telegram.calls.filter((c) => c.method === 'getUpdates').length, 0);
  });

  test('a delivered update is answered, and delivering it again answers nothing more', async () => {
    const update = telegram.sendText({ chatId: 5, userId: 5, text: 'via webhook' });
    assert.equal(await telegram.deliverToWebhook(update), 200);
    await telegram.waitForSent(1, { timeoutMs: 10_000 });
    assert.equal(await telegram.deliverToWebhook(update), 200);
    await allowTimeForDuplicates();
    assert.equal(telegram.sent.filter((s) => s.text.includes('via webhook')).length, 1);
    assert.equal(anthropic.requests.length, 1);
  });

  test('a wrong or missing secret gets 401 and nothing is stored; malformed bodies get 400', async () => {
    const update = {
      update_id: 999,
      message: {
        message_id: 1,
        date: 0,
        chat: { id: 6, type: 'private' },
        from: { id: 6, is_bot: false, first_name: 'Eve' },
        text: 'forged',
      },
    };
    const post = (headers: Record<string, string>, body: string) =>
      fetch(`${suite.agent.httpUrl}/telegram`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      });
    assert.equal(
      (await post({ 'x-telegram-bot-api-secret-token': 'wrong' }, JSON.stringify(update))).status,
      401,
    );
    assert.equal((await post({}, JSON.stringify(update))).status, 401);
    assert.equal((await post({ 'x-telegram-bot-api-secret-token': SECRET }, '{not json')).status, 400);
    assert.equal(
      (await post({ 'x-telegram-bot-api-secret-token': SECRET }, '{"update_id":"x"}')).status,
      400,
    );
    await suite.agent.stop();
    const [rows] = await queryDataDir<[{ text: string }[]]>(data.dir, 'SELECT text FROM message');
    assert.deepEqual(
      rows.map((r) => r.text).filter((t) => t === 'forged'),
      [],
    );
    assert.ok(
      rows.some((r) => r.text === 'via webhook'),
      'the genuine message is stored',
    );
  });

  test('with TELEGRAM_WEBHOOK_URL the agent registers its webhook and secret with Telegram', async () => {
    const other = tempDataDir();
    const registering = await new AgentProcess(
      agentEnv(
        other.dir,
        { telegram, anthropic },
        {
          TELEGRAM_WEBHOOK_SECRET: 'another-secret',
          TELEGRAM_WEBHOOK_URL: 'https://mono.example.org/telegram',
        },
      ),
    ).start();
    try {
      // Registered in the background once the agent is up.
      await eventually(() => telegram.webhook?.url === 'https://mono.example.org/telegram', 'setWebhook');
      assert.equal(telegram.webhook?.secret_token, 'another-secret');
    } finally {
      await registering.stop();
      other.remove();
    }
  });
});
