// The owner confirms exactly what will be sent: a tool's own description is never cut short.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { confirmationPrompt, describeAction } from '../../../agent-core/tools/confirmations.ts';
import type { AgentTool } from '../../../agent-core/tools/tool.ts';

const tool = (describe?: AgentTool['describeAction']): AgentTool => ({
  name: 'send_it',
  description: 'sends',
  inputSchema: { type: 'object', properties: {} },
  ...(describe ? { describeAction: describe } : {}),
  run: async () => ({ content: 'ok' }),
});

test('a long message to confirm is shown whole; the generic description is shortened', () => {
  const long = `${'Dear Anna, '.repeat(120)}see you on Tuesday.`;
  const described = describeAction(
    tool((input) => `Send:\n\n${String(input.text)}`),
    { text: long },
  );
  assert.ok(described.endsWith('see you on Tuesday.'));
  assert.ok(
    confirmationPrompt([{ id: undefined as never, tool: 'send_it', input: {}, summary: described }]).includes(
      long,
    ),
  );
  const generic = describeAction(tool(), { text: long });
  assert.ok(generic.length <= 300 && generic.endsWith('…'));
});
