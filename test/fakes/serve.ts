// Standalone runner: starts FakeTelegram and FakeAnthropic, prints one JSON line with their URLs and
// runs until SIGTERM/SIGINT. `node --import tsx test/fakes/serve.ts [--host H] [--telegram-port P]
// [--anthropic-port P] [--token T]… [--api-key K]`. Control them from another process with control-client.ts.

import { parseArgs } from 'node:util';
import { handleAnthropicControl } from './anthropic-control.ts';
import { FAKE_ANTHROPIC_KEY, FakeAnthropic } from './anthropic-server.ts';
import { handleTelegramControl } from './telegram-control.ts';
import { FAKE_TELEGRAM_TOKEN, FakeTelegram } from './telegram-server.ts';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    'telegram-port': { type: 'string', default: '0' },
    'anthropic-port': { type: 'string', default: '0' },
    token: { type: 'string', multiple: true },
    'api-key': { type: 'string' },
  },
});

const telegram = new FakeTelegram({ tokens: values.token?.length ? values.token : [FAKE_TELEGRAM_TOKEN] });
const anthropic = new FakeAnthropic({ apiKey: values['api-key'] ?? FAKE_ANTHROPIC_KEY });
telegram.control = (url, body, res) => handleTelegramControl(telegram, url, body, res);
anthropic.control = (url, body, res) => handleAnthropicControl(anthropic, url, body, res);
const [tg, llm] = await Promise.all([
  telegram.start({ host: values.host, port: Number(values['telegram-port']) }),
  anthropic.start({ host: values.host, port: Number(values['anthropic-port']) }),
]);
process.stdout.write(`${JSON.stringify({ telegram: tg.url, anthropic: llm.url })}\n`);

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await Promise.all([telegram.close(), anthropic.close()]);
  process.exit(0);
}
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
