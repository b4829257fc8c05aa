// FakeAnthropic's latency controls: hold()/release() park many open requests (a slow model), a client
// that gives up frees its slot, and delayMs postpones every answer.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { FAKE_ANTHROPIC_KEY, FakeAnthropic } from '../fakes/anthropic-server.ts';

const model = 'claude-sonnet-5-5';

describe('FakeAnthropic hold and release', { timeout: 10_000 }, () => {
  const fake = new FakeAnthropic();
  let client: Anthropic;
  before(async () => {
    const { url } = await fake.start();
    client = new Anthropic({ apiKey: FAKE_ANTHROPIC_KEY, baseURL: url, maxRetries: 0 });
  });
  after(() => fake.close());

  test('held requests stay open until released, a few at a time or all at once', async () => {
    const count = 200;
    fake.hold();
    const answers = Array.from({ length: count }, (_, i) =>
      client.messages.create({
        model,
        max_tokens: 32,
        messages: [{ role: 'user', content: `conversation ${i}` }],
      }),
    );
    await fake.waitForHeld(count);
    assert.equal(fake.inFlight, count);
    assert.equal(fake.requests.length, count, 'held requests are recorded on arrival');

    let settled = 0;
    for (const answer of answers) void answer.then(() => settled++);
    fake.release(10);
    assert.equal(fake.held, count - 10, 'release(10) lets exactly ten go');
    assert.equal(fake.holding, true, 'and keeps holding new ones');
    while (settled < 10) await new Promise((resolve) => setTimeout(resolve, 5));

    fake.release();
    const results = await Promise.all(answers);
    for (const [i, message] of results.entries()) {
      assert.deepEqual(message.content, [{ type: 'text', text: `Echo: conversation ${i}` }]);
    }
    assert.equal(fake.holding, false);
  });

  test('a client that disconnects while held frees its slot', async () => {
    fake.hold();
    const controller = new AbortController();
    const gone = client.messages
      .create(
        { model, max_tokens: 32, messages: [{ role: 'user', content: 'bye' }] },
        { signal: controller.signal },
      )
      .catch((e: unknown) => e);
    await fake.waitForHeld(1);
    controller.abort();
    assert.ok((await gone) instanceof Anthropic.APIUserAbortError);
    const start = Date.now();
    while (fake.held > 0 && Date.now() - start < 2000)
      await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(fake.held, 0);
    assert.equal(fake.inFlight, 0);
    fake.release();
  });

  test('delayMs postpones answers; waitForRequests sees requests before they are answered', async () => {
    fake.delayMs = 300;
    const before = fake.requests.length;
    let answered = false;
    const answer = client.messages
      .create({ model, max_tokens: 32, messages: [{ role: 'user', content: 'slow' }] })
      .then((m) => {
        answered = true;
        return m;
      });
    await fake.waitForRequests(before + 1);
    assert.equal(answered, false);
    assert.equal(fake.inFlight, 1);
    await answer;
    fake.delayMs = 0;
  });
});
