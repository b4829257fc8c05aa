// The tool-use loop: call Claude with the tools, run the tools it asks for, hand back their results, repeat
// until it answers in text. Every call and result is collected for the conversation record; tools with effects
// outside MONO, and once untrusted content is in the turn every tool that is not read-only, are not run but
// parked for the owner's confirmation (agent/untrusted.ts).
import type Anthropic from '@anthropic-ai/sdk';
import { addUsage } from '../budget/usage.ts';
import type { TokenUsage, ToolCallRecord } from '../contract/tables.ts';
import { needsConfirmation, type PendingAction, requestConfirmation } from '../tools/confirmations.ts';
import type { AgentTool, ToolContext, ToolResult } from '../tools/tool.ts';
import type { ClaudeClient, ToolSpec } from './claude.ts';
import { describeKinds, serverToolKinds, Taint, type UntrustedKind } from './untrusted.ts';
import type { ServerTool } from './web-tools.ts';

export interface LoopInput {
  claude: ClaudeClient;
  system: string;
  context?: string;
  messages: Anthropic.MessageParam[];
  tools: readonly AgentTool[];
  /** Tools the API runs itself (web search and fetch): offered in the owner's turns only. */
  serverTools?: readonly ServerTool[];
  toolContext: ToolContext;
  /** Claude calls per turn at most (a model stuck calling tools must not spend without end). */
  maxCalls?: number;
  signal?: AbortSignal;
  /** The text of the answer being written, as it streams in (each call to Claude starts it afresh). */
  onText?: (text: string) => void;
}

export interface LoopResult {
  text: string;
  usage: TokenUsage | undefined;
  calls: number;
  toolCalls: ToolCallRecord[];
  awaiting: PendingAction[];
  /** Untrusted content: every kind the turn saw, and the kinds found while it ran (stored with the reply). */
  untrusted: { seen: UntrustedKind[]; found: UntrustedKind[] };
}

const MAX_RESULT_CHARS = 20_000;

export function toolSpecs(tools: readonly AgentTool[]): ToolSpec[] {
  return tools.map((tool) => ({
    name: tool.name,
    description: tool.description,
    input_schema: tool.inputSchema as Anthropic.Tool.InputSchema,
  }));
}

export async function runToolLoop(input: LoopInput): Promise<LoopResult> {
  const { claude } = input;
  const taint = input.toolContext.taint ?? new Taint();
  const toolContext: ToolContext = { ...input.toolContext, taint };
  const tools = new Map(input.tools.map((tool) => [tool.name, tool]));
  const specs = toolSpecs(input.tools);
  const messages = [...input.messages];
  const result: LoopResult = {
    text: '',
    usage: undefined,
    calls: 0,
    toolCalls: [],
    awaiting: [],
    untrusted: { seen: [], found: [] },
  };
  const texts: string[] = [];
  const maxCalls = input.maxCalls ?? 8;
  const finish = () => {
    result.untrusted = { seen: taint.kinds, found: taint.found };
    return result;
  };

  while (result.calls < maxCalls) {
    const last = result.calls === maxCalls - 1;
    const response = await claude.call({
      system: input.system,
      ...(input.context ? { context: input.context } : {}),
      messages,
      // The last allowed call gets no tools, so it must answer in words.
      ...(specs.length > 0 && !last ? { tools: specs } : {}),
      ...(input.serverTools?.length && !last ? { serverTools: [...input.serverTools] } : {}),
      ...(input.signal ? { signal: input.signal } : {}),
      fairKey: input.toolContext.conversation.toString(),
      ...(input.onText ? { onText: input.onText } : {}),
    });
    result.calls += 1;
    result.usage = addUsage(result.usage, response.usage);
    // Results of tools the API ran itself (web search, web fetch) come back inside the response.
    taint.mark(...serverToolKinds(response.content));
    result.toolCalls.push(...(response.serverToolCalls ?? []));
    if (response.text) texts.push(response.text);
    if (response.stopReason === 'pause_turn') {
      // The API paused a long turn of server-tool work: sending its content back lets it carry on.
      messages.push({ role: 'assistant', content: response.content as Anthropic.ContentBlockParam[] });
      continue;
    }
    const uses = response.content.filter((block) => block.type === 'tool_use');
    if (response.stopReason !== 'tool_use' || uses.length === 0) {
      result.text = response.text || texts.join('\n\n');
      return finish();
    }
    messages.push({ role: 'assistant', content: response.content as Anthropic.ContentBlockParam[] });
    const answers: Anthropic.ToolResultBlockParam[] = [];
    for (const use of uses) {
      const toolInput = isObject(use.input) ? use.input : {};
      const outcome = await runOne(tools.get(use.name), use.name, toolInput, toolContext, result);
      if (outcome.untrusted) taint.mark(outcome.untrusted);
      result.toolCalls.push({
        id: use.id,
        name: use.name,
        input: toolInput,
        result: outcome.content,
        ...(outcome.isError ? { is_error: true } : {}),
      });
      const content = typeof outcome.content === 'string' ? outcome.content : JSON.stringify(outcome.content);
      const text = content.length > MAX_RESULT_CHARS ? `${content.slice(0, MAX_RESULT_CHARS)}…` : content;
      answers.push({
        type: 'tool_result',
        tool_use_id: use.id,
        content: outcome.blocks?.length ? [{ type: 'text', text }, ...outcome.blocks] : text,
        ...(outcome.isError ? { is_error: true } : {}),
      });
    }
    messages.push({ role: 'user', content: answers });
  }
  result.text = texts.join('\n\n');
  return finish();
}

async function runOne(
  tool: AgentTool | undefined,
  name: string,
  input: Record<string, unknown>,
  context: ToolContext,
  result: LoopResult,
): Promise<ToolResult> {
  if (!tool) return { content: `There is no tool named ${name}.`, isError: true };
  try {
    const untrusted = context.taint?.tainted === true && !tool.readOnly;
    if (untrusted || needsConfirmation(tool, input, context)) {
      const action = await requestConfirmation(context.db, context.conversation, tool, input);
      result.awaiting.push(action);
      const why = untrusted
        ? `this conversation holds untrusted content (${describeKinds(context.taint!.kinds)}), and such content must never act on its own`
        : 'this has effects outside MONO';
      return {
        content:
          `Not done yet: ${why}, so the owner must confirm it first. MONO has asked them to reply /yes or ` +
          '/no; tell them briefly what you are about to do.',
      };
    }
    return await tool.run(input, context);
  } catch (error) {
    context.log.warn({ tool: name, err: error }, 'tool failed');
    return {
      content: `The tool failed: ${error instanceof Error ? error.message : String(error)}`,
      isError: true,
    };
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
