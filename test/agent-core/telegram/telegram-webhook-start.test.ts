// A webhook delivery that reaches the agent while it starts (socket activation serves the port before the
// channels start) waits for the channel and is stored, instead of being refused.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { InboundMessage } from '../../../agent-core/channels/channel.ts';
import { TelegramChannel } from '../../../agent-core/channels/telegram/telegram-channel.ts';
import { Secret } from '../../../agent-core/config/secret.ts';
import { silentLogger } from '../../../agent-core/log/logger.ts';

const SECRET = 'start-secret';
const update = {
  update_id: 41,
  message: {
    message_id: 7,
    date: 0,
    chat: { id: 9, type: 'private' },
    from: { id: 9, is_bot: false, first_name: 'Ann' },
    text: 'sent while the agent restarts',
  },
};

test('a delivery before the channel started waits for it, then is received and answered 200', async () => {
  const channel = new TelegramChannel(
    {
      token: new Secret('1:token'),
      apiRoot: 'http://127.0.0.1:9',
      webhookSecret: new Secret(SECRET),
      allow: { everyone: true },
    },
    silentLogger,
  );
  const received: InboundMessage[] = [];
  let settled = false;
  const delivery = channel.handleWebhook(SECRET, JSON.stringify(update)).finally(() => {
    settled = true;
  });
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(settled, false, 'held, not refused, while the channel has not started');
  // A wrong secret is still refused at once.
  assert.equal((await channel.handleWebhook('wrong', JSON.stringify(update))).status, 401);
  await channel.start(async (m) => {
    received.push(m);
  });
  assert.equal((await delivery).status, 200);
  assert.deepEqual(
    received.map((m) => m.text),
    ['sent while the agent restarts'],
  );
  await channel.stop();
});
