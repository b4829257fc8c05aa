// The standalone runner (serve.ts) as the benchmark and VPS tests use it: one JSON line with the URLs,
// real clients against it, control from this process, clean exit on SIGTERM.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { Api } from 'grammy';
import { FAKE_ANTHROPIC_KEY } from '../fakes/anthropic-server.ts';
import { RemoteFakeAnthropic, RemoteFakeTelegram } from '../fakes/control-client.ts';
import { FAKE_TELEGRAM_TOKEN } from '../fakes/telegram-server.ts';

describe('serve.ts', { timeout: 15_000 }, () => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/fakes/serve.ts', '--host', '127.0.0.1'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let urls: { telegram: string; anthropic: string };

  before(async () => {
    const lines = createInterface({ input: child.stdout! });
    const [line] = (await once(lines, 'line')) as [string];
    urls = JSON.parse(line);
  });
  after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });

  test('prints both URLs; real clients work and the fakes are controllable from outside', async () => {
    assert.match(urls.telegram, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.match(urls.anthropic, /^http:\/\/127\.0\.0\.1:\d+$/);

    const telegram = new RemoteFakeTelegram(urls.telegram);
    const api = new Api(FAKE_TELEGRAM_TOKEN, { apiRoot: urls.telegram });
    const update = await telegram.sendText({ chatId: 5, userId: 5, text: 'remote hello' });
    const [received] = await api.getUpdates({ timeout: 1 });
    assert.equal(received!.update_id, update.update_id);
    await api.sendMessage(5, 'remote reply');
    const sent = await telegram.waitForSent(1);
    assert.equal(sent[0]!.text, 'remote reply');

    const anthropic = new RemoteFakeAnthropic(urls.anthropic);
    const client = new Anthropic({ apiKey: FAKE_ANTHROPIC_KEY, baseURL: urls.anthropic });
    await anthropic.hold();
    const answer = client.messages.create({
      model: 'claude-sonnet-5-5',
      max_tokens: 32,
      messages: [{ role: 'user', content: 'held' }],
    });
    assert.deepEqual(await anthropic.waitForHeld(1), { held: 1 });
    assert.equal((await anthropic.state()).inFlight, 1);
    await anthropic.setReply({ text: 'scripted from outside' });
    await anthropic.release();
    assert.deepEqual((await answer).content, [{ type: 'text', text: 'scripted from outside' }]);
  });

  test('SIGTERM stops it with exit code 0', async () => {
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    assert.equal(code, 0);
  });
});
