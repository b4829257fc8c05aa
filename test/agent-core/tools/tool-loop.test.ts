// The tool-use loop with a scripted Claude: results go back in order, failures become error results Claude can
// read, unknown tools are reported, confirmation-only tools are parked, and a model that never stops calling
// tools is cut off with a final call without tools.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type Anthropic from '@anthropic-ai/sdk';
import { RecordId, type Surreal } from 'surrealdb';
import type { ClaudeCall, ClaudeClient, ClaudeResponse } from '../../../agent-core/agent/claude.ts';
import { runToolLoop } from '../../../agent-core/agent/tool-loop.ts';
import { silentLogger } from '../../../agent-core/log/logger.ts';
import type { AgentTool, ToolContext } from '../../../agent-core/tools/tool.ts';

const usage = {
  model: 'm',
  input_tokens: 10,
  output_tokens: 2,
  cache_creation_input_tokens: 0,
  cache_read_input_tokens: 5,
  cost_usd: 0.01,
};

function scripted(
  replies: ((call: ClaudeCall) => Anthropic.ContentBlock[])[],
): ClaudeClient & { calls: ClaudeCall[] } {
  const calls: ClaudeCall[] = [];
  return {
    model: 'm',
    calls,
    async call(input) {
      calls.push({ ...input, messages: [...input.messages] });
      const content = replies[Math.min(calls.length - 1, replies.length - 1)]!(input);
      const text = content.flatMap((b) => (b.type === 'text' ? [b.text] : [])).join('');
      const stopReason = content.some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn';
      return { content, text, usage, stopReason } as ClaudeResponse;
    },
    async reply() {
      throw new Error('not used');
    },
  };
}

const use = (name: string, input: unknown, id = `toolu_${name}`) =>
  ({ type: 'tool_use', id, name, input }) as Anthropic.ContentBlock;
const say = (text: string) => ({ type: 'text', text, citations: null }) as Anthropic.ContentBlock;

const context = (db?: Partial<Surreal>): ToolContext => ({
  db: (db ?? {}) as Surreal,
  log: silentLogger,
  conversation: new RecordId('conversation', 'telegram:1'),
  channel: 'telegram',
  chatId: '1',
  isOwner: true,
  now: new Date('2026-11-25T10:00:00Z'),
});

const echoTool: AgentTool = {
  name: 'echo',
  description: 'echo',
  inputSchema: { type: 'object', properties: {} },
  async run(input) {
    return { content: { echoed: input } };
  },
};
const brokenTool: AgentTool = {
  ...echoTool,
  name: 'broken',
  run: async () => Promise.reject(new Error('disk full')),
};

test('tool results go back to Claude in order; errors and unknown tools are readable results', async () => {
  const claude = scripted([
    () => [say('Let me check.'), use('echo', { a: 1 }), use('broken', {}), use('nope', {})],
    () => [say('All done.')],
  ]);
  const result = await runToolLoop({
    claude,
    system: 'S',
    messages: [{ role: 'user', content: 'go' }],
    tools: [echoTool, brokenTool],
    toolContext: context(),
  });
  assert.equal(result.text, 'All done.');
  assert.equal(result.calls, 2);
  assert.equal(result.usage!.input_tokens, 20);
  assert.equal(result.usage!.cache_read_input_tokens, 10);
  assert.deepEqual(
    result.toolCalls.map((c) => [c.name, c.is_error === true]),
    [
      ['echo', false],
      ['broken', true],
      ['nope', true],
    ],
  );
  const second = claude.calls[1]!;
  assert.equal(second.messages.length, 3);
  const results = second.messages[2]!.content as Anthropic.ToolResultBlockParam[];
  assert.deepEqual(
    results.map((r) => r.tool_use_id),
    ['toolu_echo', 'toolu_broken', 'toolu_nope'],
  );
  assert.equal(results[0]!.content, '{"echoed":{"a":1}}');
  assert.match(String(results[1]!.content), /The tool failed: disk full/);
  assert.match(String(results[2]!.content), /no tool named nope/);
  assert.deepEqual(
    claude.calls[0]!.tools!.map((t) => t.name),
    ['echo', 'broken'],
  );
});

test('a model that keeps calling tools is stopped: the last allowed call has no tools', async () => {
  const claude = scripted([(call) => (call.tools ? [use('echo', {})] : [say('Giving up on tools.')])]);
  const result = await runToolLoop({
    claude,
    system: 'S',
    messages: [{ role: 'user', content: 'loop' }],
    tools: [echoTool],
    toolContext: context(),
    maxCalls: 3,
  });
  assert.equal(result.calls, 3);
  assert.equal(result.toolCalls.length, 2);
  assert.equal(claude.calls[2]!.tools, undefined);
  assert.equal(result.text, 'Giving up on tools.');
});

test('a tool with effects outside MONO is parked for confirmation, not run', async () => {
  let ran = false;
  const sendTool: AgentTool = {
    ...echoTool,
    name: 'send',
    needsConfirmation: (input) => input.to !== 'owner',
    describeAction: (input) => `Send to ${String(input.to)}`,
    async run() {
      ran = true;
      return { content: 'sent' };
    },
  };
  const stored: unknown[] = [];
  const db = {
    query: (_sql: string, vars: Record<string, unknown>) => ({
      collect: async () => {
        stored.push(vars);
        return [
          [{ id: new RecordId('action', 'a1'), tool: vars.tool, input: vars.input, summary: vars.summary }],
        ];
      },
    }),
  } as unknown as Surreal;
  const claude = scripted([
    () => [use('send', { to: 'bob' }), use('send', { to: 'owner' }, 'toolu_2')],
    () => [say('Asked.')],
  ]);
  const result = await runToolLoop({
    claude,
    system: 'S',
    messages: [{ role: 'user', content: 'send' }],
    tools: [sendTool],
    toolContext: context(db),
  });
  assert.equal(result.awaiting.length, 1);
  assert.equal(result.awaiting[0]!.summary, 'Send to bob');
  assert.equal(stored.length, 1);
  assert.equal(ran, true, 'the message to the owner needed no confirmation');
  assert.match(JSON.stringify(result.toolCalls[0]!.result), /owner must confirm/);
});

test("a tool's files go back with its result, after the text (a mail's attachments)", async () => {
  const image = {
    type: 'image',
    source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' },
  } as Anthropic.ImageBlockParam;
  const withFile: AgentTool = {
    name: 'read',
    description: 'read',
    inputSchema: { type: 'object', properties: {} },
    async run() {
      return { content: { subject: 'Invoice' }, blocks: [image] };
    },
  };
  const claude = scripted([() => [use('read', {})], () => [say('done')]]);
  const result = await runToolLoop({
    claude,
    system: 's',
    messages: [{ role: 'user', content: 'read it' }],
    tools: [withFile],
    toolContext: context(),
  });
  assert.equal(result.text, 'done');
  const answer = claude.calls[1]!.messages.at(-1)!.content as Anthropic.ToolResultBlockParam[];
  assert.deepEqual(answer[0]!.content, [{ type: 'text', text: '{"subject":"Invoice"}' }, image]);
  // The conversation record keeps the result, not the file's bytes.
  assert.deepEqual(result.toolCalls[0]!.result, { subject: 'Invoice' });
});
