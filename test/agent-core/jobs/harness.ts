// Helpers shared by the end-to-end tests of jobs, tools, hooks, memory, budgets and the fuzz test: reading what
// reached the fake Claude (waiting lives in test/helpers/wait.ts).
import type { ContentBlock, MessagesRequest } from '../../fakes/anthropic-types.ts';

/** The system prompt blocks joined (cached prefix and per-turn context). */
export function systemText(request: MessagesRequest): string {
  if (typeof request.system === 'string') return request.system;
  return (request.system ?? []).map((block) => String(block.text ?? '')).join('\n');
}

/** True when the last user message carries tool results (the second leg of a tool loop). */
export function isToolResult(request: MessagesRequest): boolean {
  const last = request.messages.at(-1);
  return (
    Array.isArray(last?.content) && last.content.some((block: ContentBlock) => block.type === 'tool_result')
  );
}

export function toolResults(request: MessagesRequest): ContentBlock[] {
  const last = request.messages.at(-1);
  return Array.isArray(last?.content) ? last.content.filter((block) => block.type === 'tool_result') : [];
}

/** The wall-clock time in a zone as ISO without offset (what Claude puts in `run_at`). */
export function localIso(at: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(at);
  const get = (type: string) => parts.find((part) => part.type === type)?.value;
  return `${get('year')}-${get('month')}-${get('day')}T${get('hour')}:${get('minute')}:${get('second')}`;
}
