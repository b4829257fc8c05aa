// FakeAnthropic on the raw wire: the SSE event order, error bodies and headers, auth by x-api-key or
// Bearer, and a mid-stream error event as the SDK sees it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { FAKE_ANTHROPIC_KEY, FakeAnthropic } from '../fakes/anthropic-server.ts';

const model = 'claude-sonnet-5-5';
const body = (extra: object = {}) =>
  JSON.stringify({ model, max_tokens: 100, messages: [{ role: 'user', content: 'hi' }], ...extra });

describe('FakeAnthropic wire format', { timeout: 10_000 }, () => {
  const fake = new FakeAnthropic();
  let url = '';
  const headers = {
    'x-api-key': FAKE_ANTHROPIC_KEY,
    'anthropic-version': '2023-06-01',
    'content-type': 'application/json',
  };
  before(async () => {
    url = (await fake.start()).url;
  });
  after(() => fake.close());

  test('a streamed tool call follows the documented event sequence', async () => {
    fake.respond = () => ({ text: 'Checking.', toolUse: { name: 'lookup', input: { q: 'x'.repeat(30) } } });
    const response = await fetch(`${url}/v1/messages`, {
      method: 'POST',
      headers,
      body: body({ stream: true }),
    });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
    assert.match(response.headers.get('request-id') ?? '', /^req_/);
    const frames = (await response.text()).trim().split('\n\n');
    const events = frames.map((f) => /^event: (.+)$/m.exec(f)![1]);
    const data = frames.map((f) => JSON.parse(/^data: (.+)$/m.exec(f)![1]!));
    for (const [i, d] of data.entries())
      assert.equal(d.type, events[i], 'each data.type matches its event name');
    const compact = events.join(' ').replace(/(content_block_delta ?)+/g, 'delta* ');
    assert.equal(
      compact.trim(),
      'message_start content_block_start ping delta* content_block_stop content_block_start delta* content_block_stop message_delta message_stop',
    );
    const start = data[0].message;
    assert.deepEqual(start.content, []);
    assert.equal(start.stop_reason, null);
    for (const key of [
      'input_tokens',
      'output_tokens',
      'cache_creation_input_tokens',
      'cache_read_input_tokens',
    ]) {
      assert.equal(typeof start.usage[key], 'number', `message_start usage.${key}`);
    }
    const toolStart = data.find((d) => d.type === 'content_block_start' && d.index === 1).content_block;
    assert.deepEqual({ ...toolStart, id: 'id' }, { type: 'tool_use', id: 'id', name: 'lookup', input: {} });
    const jsonDeltas = data.filter((d) => d.delta?.type === 'input_json_delta');
    assert.ok(jsonDeltas.length > 2, 'tool input streamed in several input_json_delta chunks');
    assert.deepEqual(JSON.parse(jsonDeltas.map((d) => d.delta.partial_json).join('')), { q: 'x'.repeat(30) });
    const delta = data.at(-2);
    assert.equal(delta.delta.stop_reason, 'tool_use');
    assert.ok(delta.usage.output_tokens > 1);
  });

  test('errors have the API shape; anthropic-version is required; x-api-key and Bearer both work', async () => {
    const noVersion = await fetch(`${url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': FAKE_ANTHROPIC_KEY, 'content-type': 'application/json' },
      body: body(),
    });
    assert.equal(noVersion.status, 400);
    const error = await noVersion.json();
    assert.equal(error.type, 'error');
    assert.equal(error.error.type, 'invalid_request_error');
    assert.match(error.request_id, /^req_/);

    const missingKey = await fetch(`${url}/v1/messages`, {
      method: 'POST',
      headers: { 'anthropic-version': '2023-06-01' },
      body: body(),
    });
    assert.equal(missingKey.status, 401);
    assert.equal((await missingKey.json()).error.type, 'authentication_error');

    const { 'x-api-key': _key, ...rest } = headers;
    const bearer = await fetch(`${url}/v1/messages`, {
      method: 'POST',
      headers: { ...rest, authorization: `Bearer ${FAKE_ANTHROPIC_KEY}` },
      body: body(),
    });
    assert.equal(bearer.status, 200);
    assert.equal((await fetch(`${url}/v1/messages`, { method: 'POST', headers, body: body() })).status, 200);

    fake.failNext(1, 429, { retryAfter: 7 });
    const limited = await fetch(`${url}/v1/messages`, { method: 'POST', headers, body: body() });
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '7');
    assert.equal((await limited.json()).error.type, 'rate_limit_error');

    fake.failAlways(500);
    for (let i = 0; i < 2; i++) {
      const failed = await fetch(`${url}/v1/messages`, { method: 'POST', headers, body: body() });
      assert.equal(failed.status, 500);
      assert.equal((await failed.json()).error.type, 'api_error');
    }
    fake.failAlways(null);
    assert.equal((await fetch(`${url}/v1/messages`, { method: 'POST', headers, body: body() })).status, 200);
  });

  test('a mid-stream error event surfaces in the SDK as an APIError of that type', async () => {
    fake.respond = () => ({
      text: 'partial answer that will break',
      streamError: { type: 'overloaded_error', message: 'Overloaded' },
    });
    const client = new Anthropic({ apiKey: FAKE_ANTHROPIC_KEY, baseURL: url, maxRetries: 0 });
    const stream = client.messages.stream({
      model,
      max_tokens: 100,
      messages: [{ role: 'user', content: 'hi' }],
    });
    await assert.rejects(
      stream.finalMessage(),
      (e) => e instanceof Anthropic.APIError && /overloaded_error|Overloaded/.test(e.message),
    );
  });

  test('max_tokens and stop_sequences cut the answer like the model would', async () => {
    fake.respond = () => ({ text: 'one two three STOP four five six seven eight nine ten' });
    const client = new Anthropic({ apiKey: FAKE_ANTHROPIC_KEY, baseURL: url });
    const stopped = await client.messages.create({
      model,
      max_tokens: 100,
      stop_sequences: ['STOP'],
      messages: [{ role: 'user', content: 'x' }],
    });
    assert.equal(stopped.stop_reason, 'stop_sequence');
    assert.equal(stopped.stop_sequence, 'STOP');
    assert.deepEqual(stopped.content, [{ type: 'text', text: 'one two three ' }]);
    const cut = await client.messages.create({
      model,
      max_tokens: 2,
      messages: [{ role: 'user', content: 'x' }],
    });
    assert.equal(cut.stop_reason, 'max_tokens');
    assert.equal(cut.usage.output_tokens, 2);
  });
});
