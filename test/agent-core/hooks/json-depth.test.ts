// jsonDepth: the nesting of a JSON text by one pass over it, matching a walk of the parsed value, never counting
// brackets inside strings, and never recursing (a body a megabyte deep is counted, not a stack overflow).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jsonDepth, MAX_HOOK_JSON_DEPTH } from '../../../agent-core/hooks/json-depth.ts';
import { prng } from '../../helpers/prng.ts';

/** The reference: the depth of the parsed value. */
function parsedDepth(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0;
  const children = Array.isArray(value) ? value : Object.values(value);
  return 1 + Math.max(0, ...children.map(parsedDepth));
}

test('jsonDepth counts arrays and objects, not brackets in strings or keys', () => {
  const cases: [string, number][] = [
    ['1', 0],
    ['"[[["', 0],
    ['null', 0],
    ['[]', 1],
    ['{}', 1],
    ['[[],[[]],[]]', 3],
    ['{"a":[1,{"b":[]}]}', 4],
    ['{"[[[":"]]]{{"}', 1],
    ['["\\"[["]', 1],
    ['["\\\\",[]]', 2],
    ['["\\\\\\"[",[]]', 2],
    ['["\\u005b[",{}]', 2],
    [' \n[ [ ] ]\t', 2],
    [`{"type":"x","data":${'['.repeat(70)}${']'.repeat(70)}}`, 71],
  ];
  for (const [text, depth] of cases) {
    assert.equal(jsonDepth(text), depth, text);
    assert.equal(parsedDepth(JSON.parse(text)), depth, `reference: ${text}`);
  }
});

test('jsonDepth agrees with the parsed value on random JSON', () => {
  const random = prng(20240611);
  const value = (depth: number): unknown => {
    const roll = random();
    if (depth > 12 || roll < 0.35) {
      const strings = ['[', ']', '{', '}', '"', '\\', '\\"[', 'a"b', '\u2028', '[{"x":1}]'];
      return [1, -2.5, true, null, strings[Math.floor(random() * strings.length)]][Math.floor(random() * 5)];
    }
    const size = Math.floor(random() * 4);
    if (roll < 0.65) return Array.from({ length: size }, () => value(depth + 1));
    return Object.fromEntries(
      Array.from({ length: size }, (_, i) => [`${'[{"\\'.charAt(i % 4)}k${i}`, value(depth + 1)]),
    );
  };
  for (let i = 0; i < 2000; i++) {
    const sample = value(0);
    const text = JSON.stringify(sample, null, i % 2 ? 1 : undefined);
    assert.equal(jsonDepth(text), parsedDepth(sample), text);
  }
});

test('jsonDepth walks a megabyte of nesting without recursion, and stops early when told', () => {
  const deep = `${'['.repeat(500_000)}${']'.repeat(500_000)}`;
  assert.equal(jsonDepth(deep), 500_000);
  assert.equal(jsonDepth(deep, MAX_HOOK_JSON_DEPTH), MAX_HOOK_JSON_DEPTH + 1);
  const atLimit = `${'{"a":'.repeat(MAX_HOOK_JSON_DEPTH - 1)}{}${'}'.repeat(MAX_HOOK_JSON_DEPTH - 1)}`;
  assert.equal(jsonDepth(atLimit, MAX_HOOK_JSON_DEPTH), MAX_HOOK_JSON_DEPTH);
  // An unterminated string or unbalanced brackets (text JSON.parse refused) end the scan, never throw.
  assert.equal(jsonDepth('["abc'), 1);
  assert.equal(jsonDepth(']]][['), 0);
});
