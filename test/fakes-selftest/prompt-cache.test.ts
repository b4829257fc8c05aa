// The prompt-cache simulation behind FakeAnthropic's usage numbers: prefix matching, the multi-turn
// pattern (a breakpoint that moves forward finds the previous turn's entry), expiry and limits.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { countInputTokens, PromptCache } from '../fakes/anthropic-tokens.ts';
import type { MessageParam, MessagesRequest } from '../fakes/anthropic-types.ts';

const system = [{ type: 'text', text: 'S'.repeat(4000), cache_control: { type: 'ephemeral' } }];
const request = (messages: MessageParam[], extra: Partial<MessagesRequest> = {}): MessagesRequest => ({
  model: 'claude-sonnet-5-5',
  max_tokens: 100,
  system,
  messages,
  ...extra,
});
const marked = (text: string) => [{ type: 'text', text, cache_control: { type: 'ephemeral' } }];

describe('PromptCache', () => {
  test('creation, then reads of the same prefix; the parts always add up to the whole prompt', () => {
    const cache = new PromptCache();
    const first = request([{ role: 'user', content: 'hello' }]);
    const a = cache.account(first);
    assert.ok(a.cache_creation_input_tokens >= 1000);
    assert.equal(a.cache_read_input_tokens, 0);
    assert.equal(a.cache_creation.ephemeral_5m_input_tokens, a.cache_creation_input_tokens);
    const b = cache.account(request([{ role: 'user', content: 'something else entirely' }]));
    assert.equal(b.cache_read_input_tokens, a.cache_creation_input_tokens);
    assert.equal(b.cache_creation_input_tokens, 0);
    const whole = countInputTokens(request([{ role: 'user', content: 'something else entirely' }]));
    assert.equal(b.input_tokens + b.cache_read_input_tokens + b.cache_creation_input_tokens, whole);
  });

  test('a conversation whose breakpoint moves to the newest turn reads the previous turn from the cache', () => {
    const cache = new PromptCache();
    const turn1 = cache.account(request([{ role: 'user', content: marked('first question') }]));
    const turn2 = cache.account(
      request([
        { role: 'user', content: 'first question' },
        { role: 'assistant', content: 'first answer' },
        { role: 'user', content: marked('second question') },
      ]),
    );
    assert.equal(turn2.cache_read_input_tokens, turn1.cache_creation_input_tokens);
    assert.ok(turn2.cache_creation_input_tokens > 0, 'the new turns are written to the cache');
  });

  test('a changed prefix, an expired entry, or a prefix under the minimum is not read', () => {
    let now = 0;
    const cache = new PromptCache(0, () => now);
    cache.account(request([{ role: 'user', content: 'x' }]));
    const otherModel = cache.account(
      request([{ role: 'user', content: 'x' }], { model: 'claude-haiku-5-5' }),
    );
    assert.equal(otherModel.cache_read_input_tokens, 0, 'the cache is per model');
    now = 6 * 60 * 1000;
    assert.equal(
      cache.account(request([{ role: 'user', content: 'x' }])).cache_read_input_tokens,
      0,
      '5 min TTL',
    );
    const small = new PromptCache(2048);
    const usage = small.account(request([{ role: 'user', content: 'x' }]));
    assert.equal(usage.cache_creation_input_tokens, 0);
  });

  test('more than four cache_control blocks is an error like the API’s', () => {
    const cache = new PromptCache();
    const many = request([{ role: 'user', content: [1, 2, 3, 4].flatMap((n) => marked(`part ${n}`)) }]);
    assert.throws(
      () => cache.account(many),
      /A maximum of 4 blocks with cache_control may be provided\. Found 5\./,
    );
  });
});
