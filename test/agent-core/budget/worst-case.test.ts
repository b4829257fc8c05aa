// The worst case a call reserves: never below what the call can really cost (every byte a token at the cache-write
// price, all of max_tokens out, server tools at their limits), and media counted by what the model sees.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { worstCaseUsd } from '../../../agent-core/agent/worst-case.ts';

const history = 'Ünïcödé and emoji 🎉 text. '.repeat(400);
const base = {
  model: 'claude-sonnet-5-5',
  max_tokens: 4096,
  system: [{ type: 'text', text: 'You are MONO.' }],
  messages: [{ role: 'user', content: history }],
};

test('a text request: at least its bytes as cache-written input plus all of max_tokens as output', () => {
  const bytes = Buffer.byteLength(history);
  const floor = (bytes * 3.75 + 4096 * 15) / 1e6; // Sonnet: $3.75 per million cache-written, $15 out
  const worst = worstCaseUsd(base);
  assert.ok(worst >= floor, `${worst} < ${floor}`);
  assert.ok(worst < floor * 1.1, 'and not wildly more');
  assert.ok(worstCaseUsd({ ...base, model: 'claude-opus-4-0' }) > worst * 4, 'priced by the model');
});

test('an image counts by what the model sees, not by its base64 bytes; server tools at their limits', () => {
  const image = {
    type: 'image',
    source: { type: 'base64', media_type: 'image/jpeg', data: 'A'.repeat(3_000_000) },
  };
  const withImage = worstCaseUsd({ ...base, messages: [{ role: 'user', content: [image] }] });
  assert.ok(withImage < worstCaseUsd(base) + (3300 * 3.75) / 1e6 + 0.001, `${withImage}`);
  const search = worstCaseUsd({
    ...base,
    tools: [{ type: 'web_search_20250305', name: 'web_search', max_uses: 3 }],
  });
  assert.ok(search - worstCaseUsd(base) >= 3 * 0.01, 'three searches at $0.01 each, at least');
});
