// Tools: remember and recall facts about the owner (full-text relevance, agent-core/memory/).
import { forget, recall, remember } from '../memory/memory-store.ts';
import type { AgentTool } from './tool.ts';

export function memoryTools(): AgentTool[] {
  return [
    {
      name: 'remember',
      ownerOnly: true,
      describeAction: (input) => `Remember about you: "${text(input.fact)}"`,
      description:
        'Save a lasting fact about the owner (preferences, people, dates, plans) so you know it in later ' +
        'conversations, e.g. "The owner’s sister is called Mia." One fact per call, as a full sentence.',
      inputSchema: {
        type: 'object',
        properties: { fact: { type: 'string' } },
        required: ['fact'],
      },
      async run(input, context) {
        const fact = typeof input.fact === 'string' ? input.fact : '';
        if (!fact.trim()) return { content: 'Give the fact to remember.', isError: true };
        const isNew = await remember(context.db, fact, {
          conversation: context.conversation,
          source: 'tool',
        });
        return { content: isNew ? 'Saved.' : 'Already known.' };
      },
    },
    {
      name: 'recall',
      ownerOnly: true,
      readOnly: true,
      description: 'Search what you remember about the owner, by relevance to a few keywords.',
      inputSchema: {
        type: 'object',
        properties: { query: { type: 'string' } },
        required: ['query'],
      },
      async run(input, context) {
        const facts = await recall(context.db, typeof input.query === 'string' ? input.query : '', 10);
        return {
          content: facts.length > 0 ? facts.map((fact) => fact.text) : 'Nothing relevant remembered.',
        };
      },
    },
    {
      name: 'forget',
      ownerOnly: true,
      describeAction: (input) => `Forget: "${text(input.fact)}"`,
      description: 'Forget a fact, given exactly as remembered.',
      inputSchema: {
        type: 'object',
        properties: { fact: { type: 'string' } },
        required: ['fact'],
      },
      async run(input, context) {
        const done = await forget(context.db, typeof input.fact === 'string' ? input.fact : '');
        return done ? { content: 'Forgotten.' } : { content: 'No such fact.', isError: true };
      },
    },
  ];
}

function text(value: unknown): string {
  return typeof value === 'string' ? value.trim() : '';
}
