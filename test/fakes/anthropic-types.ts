// Shapes FakeAnthropic reads and scripts: the Messages API request as it arrives on the wire, and the
// replies a test can script (text, tool calls, errors).

export type ContentBlock = { type: string; [key: string]: unknown };

export interface MessageParam {
  role: 'user' | 'assistant' | 'system';
  content: string | ContentBlock[];
}

export interface CacheControl {
  type: 'ephemeral';
  ttl?: '5m' | '1h';
}

/** A POST /v1/messages body as the client sent it (validated minimally before a responder sees it). */
export interface MessagesRequest {
  model: string;
  max_tokens: number;
  messages: MessageParam[];
  system?: string | ContentBlock[];
  tools?: ContentBlock[];
  tool_choice?: unknown;
  stream?: boolean;
  stop_sequences?: string[];
  cache_control?: CacheControl | null;
  metadata?: unknown;
  [key: string]: unknown;
}

export interface ToolUseSpec {
  name: string;
  input: unknown;
  /** Defaults to a fresh `toolu_…` id. */
  id?: string;
}

export interface ErrorSpec {
  status: number;
  type: string;
  message: string;
  /** Seconds, sent as the `retry-after` header (fractions allowed so tests stay fast). */
  retryAfter?: number;
}

/** A web search the scripted model runs (only when the request offered the web_search tool). */
export interface WebSearchSpec {
  query: string;
  results: { url: string; title: string; page_age?: string }[];
}

/** A page the scripted model fetches (only when the request offered the web_fetch tool). */
export interface WebFetchSpec {
  url: string;
  title?: string;
  text: string;
}

/** Extras any successful reply may carry. */
export interface ReplyExtras {
  /** Server-tool work before the text: search and fetch blocks, counted in usage.server_tool_use. */
  webSearch?: WebSearchSpec[];
  webFetch?: WebFetchSpec[];
  /** Sources the text cites (web_search_result_location citations on the text block). */
  citations?: { url: string; title: string; cited_text: string }[];
  stopReason?: 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use' | 'pause_turn' | 'refusal';
  /** Streaming only: after the first content delta, send an SSE `error` event and end the stream. */
  streamError?: { type: string; message: string };
}

export type FakeReply =
  | ({ text: string; toolUse?: undefined; error?: undefined } & ReplyExtras)
  | ({ toolUse: ToolUseSpec | ToolUseSpec[]; text?: string; error?: undefined } & ReplyExtras)
  | { error: ErrorSpec; text?: undefined; toolUse?: undefined };

export interface ResponderContext {
  /** 0-based index of this request among all recorded /v1/messages requests. */
  index: number;
  headers: Record<string, string | string[] | undefined>;
}

export type Responder = (
  request: MessagesRequest,
  context: ResponderContext,
) => FakeReply | Promise<FakeReply>;

/** The text of the last user message (text blocks joined; tool results rendered as their content). */
export function lastUserText(request: MessagesRequest): string {
  const last = [...request.messages].reverse().find((m) => m.role === 'user');
  if (!last) return '';
  if (typeof last.content === 'string') return last.content;
  return last.content
    .map((block) => {
      if (block.type === 'text') return String(block.text);
      if (block.type === 'tool_result') {
        const content = block.content;
        if (typeof content === 'string') return content;
        if (Array.isArray(content)) return content.map((c: ContentBlock) => String(c.text ?? '')).join('');
        return '';
      }
      return '';
    })
    .join('\n');
}

/** The default responder: "Echo: <last user text>", so tests can see what reached the model. */
export const echoResponder: Responder = (request) => {
  const last = [...request.messages].reverse().find((m) => m.role === 'user');
  const isToolResult =
    Array.isArray(last?.content) &&
    last.content.length > 0 &&
    last.content.every((b) => b.type === 'tool_result');
  return { text: `${isToolResult ? 'Tool result' : 'Echo'}: ${lastUserText(request)}` };
};
