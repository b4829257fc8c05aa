// The request checks of POST /v1/messages that catch real agent bugs (missing fields, broken turn order,
// empty text, tool_use/tool_result pairs that do not match), answered with the API's wording.
import { mediaBlockError, toolsError } from './anthropic-media.ts';
import type { ContentBlock, MessageParam, MessagesRequest } from './anthropic-types.ts';

export interface ValidateOptions {
  /** Reject two consecutive turns with the same role (older API behaviour; the current API merges them). */
  strictAlternation: boolean;
}

function blocksOf(message: MessageParam): ContentBlock[] {
  return typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : message.content;
}

/** Returns the `invalid_request_error` message for a bad body, or undefined when it is acceptable. */
export function validateMessagesRequest(
  body: unknown,
  options: ValidateOptions,
  forCounting = false,
): string | undefined {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return 'Input should be an object';
  const request = body as Partial<MessagesRequest>;
  if (typeof request.model !== 'string' || request.model === '') return 'model: Field required';
  if (!forCounting) {
    if (request.max_tokens === undefined) return 'max_tokens: Field required';
    if (!Number.isInteger(request.max_tokens) || (request.max_tokens as number) < 1) {
      return 'max_tokens: Input should be greater than or equal to 1';
    }
  }
  if (!Array.isArray(request.messages)) return 'messages: Field required';
  if (request.messages.length === 0) return 'messages: at least one message is required';
  const turns: { role: string; index: number }[] = [];
  for (const [index, message] of request.messages.entries()) {
    if (!message || typeof message !== 'object') return `messages.${index}: Input should be an object`;
    if (!['user', 'assistant', 'system'].includes(message.role)) {
      return `messages.${index}.role: Input should be 'user' or 'assistant'`;
    }
    if (typeof message.content !== 'string' && !Array.isArray(message.content)) {
      return `messages.${index}.content: Field required`;
    }
    const blocks = blocksOf(message);
    const isFinalAssistant = index === request.messages.length - 1 && message.role === 'assistant';
    if (blocks.length === 0 && !isFinalAssistant)
      return `messages.${index}: all messages must have non-empty content except for the optional final assistant message`;
    for (const [n, block] of blocks.entries()) {
      if (
        block.type === 'text' &&
        (typeof block.text !== 'string' || block.text === '') &&
        !isFinalAssistant
      ) {
        return `messages: text content blocks must be non-empty`;
      }
      const nested =
        block.type === 'tool_result' && Array.isArray(block.content)
          ? (block.content as ContentBlock[])
          : [block];
      for (const part of nested) {
        if (part.type !== 'image' && part.type !== 'document') continue;
        if (message.role !== 'user')
          return `messages.${index}.content.${n}: ${part.type} blocks are only allowed in user messages`;
        const problem = mediaBlockError(part, `messages.${index}.content.${n}.${part.type}`);
        if (problem) return problem;
      }
    }
    if (message.role !== 'system') turns.push({ role: message.role, index });
  }
  const tools = toolsError(request.tools);
  if (tools) return tools;
  const first = turns[0];
  if (!first) return 'messages: at least one message is required';
  if (first.role !== 'user') return 'messages: first message must use the "user" role';
  if (options.strictAlternation) {
    for (let i = 1; i < turns.length; i++) {
      if (turns[i]!.role === turns[i - 1]!.role) {
        return `messages: roles must alternate between "user" and "assistant", but found multiple "${turns[i]!.role}" roles in a row`;
      }
    }
  }
  return toolPairingError(request.messages);
}

/** Each tool_use must be answered by a tool_result in the next message, and no tool_result may be orphaned. */
function toolPairingError(messages: MessageParam[]): string | undefined {
  for (const [index, message] of messages.entries()) {
    const blocks = blocksOf(message);
    if (message.role === 'user') {
      const previous = messages[index - 1];
      const offered = new Set(
        previous?.role === 'assistant'
          ? blocksOf(previous)
              .filter((b) => b.type === 'tool_use')
              .map((b) => b.id)
          : [],
      );
      for (const [n, block] of blocks.entries()) {
        if (block.type === 'tool_result' && !offered.has(block.tool_use_id)) {
          return `messages.${index}.content.${n}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${String(block.tool_use_id)}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`;
        }
      }
    }
    if (message.role === 'assistant' && index < messages.length - 1) {
      const answered = new Set(
        blocksOf(messages[index + 1]!)
          .filter((b) => b.type === 'tool_result')
          .map((b) => b.tool_use_id),
      );
      const missing = blocks
        .filter((b) => b.type === 'tool_use' && !answered.has(b.id))
        .map((b) => String(b.id));
      if (missing.length > 0) {
        return `messages.${index}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`;
      }
    }
  }
  return undefined;
}
