// FakeAnthropic driven by the real @anthropic-ai/sdk: plain and streamed answers, tool_use, usage with
// prompt-cache tokens, validation, retries on 429/529 and AuthenticationError on a wrong key.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { FAKE_ANTHROPIC_KEY, FakeAnthropic } from '../fakes/anthropic-server.ts';

const model = 'claude-sonnet-5-5';

describe('FakeAnthropic with @anthropic-ai/sdk', { timeout: 10_000 }, () => {
  const fake = new FakeAnthropic();
  let client: Anthropic;
  before(async () => {
    const { url } = await fake.start();
    client = new Anthropic({ apiKey: FAKE_ANTHROPIC_KEY, baseURL: url });
  });
  after(() => fake.close());

  test('messages.create echoes the last user message and records system prompt and history', async () => {
    const message = await client.messages.create({
      model,
      max_tokens: 256,
      system: 'You are MONO.',
      messages: [
        { role: 'user', content: 'first' },
        { role: 'assistant', content: 'Echo: first' },
        { role: 'user', content: 'second' },
      ],
    });
    assert.equal(message.type, 'message');
    assert.equal(message.role, 'assistant');
    assert.equal(message.model, model);
    assert.match(message.id, /^msg_/);
    assert.equal(message.stop_reason, 'end_turn');
    assert.deepEqual(message.content, [{ type: 'text', text: 'Echo: second' }]);
    assert.ok(message.usage.input_tokens > 0 && message.usage.output_tokens > 0);
    const sent = fake.requests.at(-1)!;
    assert.equal(sent.system, 'You are MONO.');
    assert.equal(sent.messages.length, 3);
  });

  test('messages.stream reassembles streamed text; finalMessage carries usage', async () => {
    fake.respond = () => ({ text: 'A streamed answer that spans several text_delta chunks.' });
    try {
      const stream = client.messages.stream({
        model,
        max_tokens: 256,
        messages: [{ role: 'user', content: 'hi' }],
      });
      const deltas: string[] = [];
      stream.on('text', (delta) => deltas.push(delta));
      const final = await stream.finalMessage();
      assert.ok(deltas.length > 1, 'text arrived in several deltas');
      assert.deepEqual(final.content, [
        { type: 'text', text: 'A streamed answer that spans several text_delta chunks.' },
      ]);
      assert.equal(final.stop_reason, 'end_turn');
      assert.ok(final.usage.output_tokens > 1);
      assert.equal(fake.requests.at(-1)!.stream, true);
    } finally {
      fake.respond = (await import('../fakes/anthropic-types.ts')).echoResponder;
    }
  });

  test('a streamed tool_use arrives whole: id, name and the input JSON reassembled from chunks', async () => {
    const input = {
      city: 'Zürich',
      days: 3,
      units: { temp: 'C' },
      note: 'a "quoted" string, long enough to split',
    };
    fake.respond = (request) =>
      request.messages.length === 1
        ? { text: 'Let me check.', toolUse: { name: 'weather', input } }
        : { text: 'done' };
    const tools = [{ name: 'weather', description: 'Forecast', input_schema: { type: 'object' as const } }];
    const final = await client.messages
      .stream({ model, max_tokens: 256, tools, messages: [{ role: 'user', content: 'weather?' }] })
      .finalMessage();
    assert.equal(final.stop_reason, 'tool_use');
    assert.equal(final.content[0]!.type, 'text');
    const toolUse = final.content[1]!;
    assert.equal(toolUse.type, 'tool_use');
    assert.ok(toolUse.type === 'tool_use');
    assert.match(toolUse.id, /^toolu_/);
    assert.equal(toolUse.name, 'weather');
    assert.deepEqual(toolUse.input, input);

    // Sending the tool result back is a valid turn; an orphan tool_result is refused like the API does.
    const answer = await client.messages.create({
      model,
      max_tokens: 64,
      tools,
      messages: [
        { role: 'user', content: 'weather?' },
        { role: 'assistant', content: final.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: toolUse.id, content: 'sunny' }] },
      ],
    });
    assert.deepEqual(answer.content, [{ type: 'text', text: 'done' }]);
    await assert.rejects(
      client.messages.create({
        model,
        max_tokens: 64,
        messages: [
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_nope', content: 'x' }] },
        ],
      }),
      (error) => error instanceof Anthropic.BadRequestError && /unexpected `tool_use_id`/.test(error.message),
    );
  });

  test('usage reports cache creation on the first marked request and cache reads afterwards', async () => {
    fake.respond = (await import('../fakes/anthropic-types.ts')).echoResponder;
    const system = [
      {
        type: 'text' as const,
        text: 'Long owner prompt. '.repeat(50),
        cache_control: { type: 'ephemeral' as const },
      },
    ];
    const first = await client.messages.create({
      model,
      max_tokens: 64,
      system,
      messages: [{ role: 'user', content: 'one' }],
    });
    assert.ok(first.usage.cache_creation_input_tokens! > 200);
    assert.equal(first.usage.cache_read_input_tokens, 0);
    const second = await client.messages
      .stream({ model, max_tokens: 64, system, messages: [{ role: 'user', content: 'two, different' }] })
      .finalMessage();
    assert.equal(second.usage.cache_read_input_tokens, first.usage.cache_creation_input_tokens);
    assert.equal(second.usage.cache_creation_input_tokens, 0);
    assert.ok(
      second.usage.input_tokens > 0 && second.usage.input_tokens < 20,
      'only the uncached tail is billed as input',
    );
  });

  test('429 with retry-after is retried by the SDK (default maxRetries) and then succeeds', async () => {
    fake.failNext(2, 429, { retryAfter: 0.05 });
    const before = fake.requests.length;
    const message = await client.messages.create({
      model,
      max_tokens: 64,
      messages: [{ role: 'user', content: 'again' }],
    });
    assert.deepEqual(message.content, [{ type: 'text', text: 'Echo: again' }]);
    assert.equal(fake.requests.length - before, 3, 'two 429s, then the answer');

    fake.failNext(1, 529);
    const noRetry = await client.messages
      .create({ model, max_tokens: 64, messages: [{ role: 'user', content: 'x' }] }, { maxRetries: 0 })
      .catch((e: unknown) => e);
    assert.ok(noRetry instanceof Anthropic.APIError);
    assert.equal(noRetry.status, 529);
    assert.equal((noRetry.error as { error: { type: string } }).error.type, 'overloaded_error');
  });

  test('a wrong key is AuthenticationError; a bad body is BadRequestError', async () => {
    const wrong = new Anthropic({ apiKey: 'sk-ant-wrong', baseURL: fake.url });
    await assert.rejects(
      wrong.messages.create({ model, max_tokens: 64, messages: [{ role: 'user', content: 'x' }] }),
      (error) => error instanceof Anthropic.AuthenticationError && error.status === 401,
    );
    await assert.rejects(
      client.messages.create({
        model,
        max_tokens: 64,
        messages: [
          { role: 'user', content: 'a' },
          { role: 'user', content: 'b' },
        ],
      }),
      (error) => error instanceof Anthropic.BadRequestError && /roles must alternate/.test(error.message),
    );
    await assert.rejects(
      client.messages.create({ model, max_tokens: 64, messages: [{ role: 'user', content: '' }] }),
      /text content blocks must be non-empty/,
    );
  });

  test('count_tokens answers a plausible count', async () => {
    const counted = await client.messages.countTokens({
      model,
      messages: [{ role: 'user', content: 'x'.repeat(400) }],
    });
    assert.ok(counted.input_tokens >= 100 && counted.input_tokens < 120);
  });
});
