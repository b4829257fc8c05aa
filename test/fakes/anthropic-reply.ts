// Turns a scripted reply into what the Messages API sends: a Message object (non-streaming) or the
// exact SSE event sequence (message_start, content_block_start, ping, deltas, content_block_stop,
// message_delta, message_stop).
import { randomBytes } from 'node:crypto';
import { offeredServerTools } from './anthropic-media.ts';
import type { InputUsage } from './anthropic-tokens.ts';
import { tokensForText } from './anthropic-tokens.ts';
import type { FakeReply, MessagesRequest, ReplyExtras } from './anthropic-types.ts';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Ids shaped like the API's: a prefix plus 24 base62 characters. */
export function apiId(prefix: 'msg' | 'toolu' | 'req' | 'srvtoolu'): string {
  const bytes = randomBytes(24);
  let id = '';
  for (const byte of bytes) id += BASE62[byte % 62];
  return `${prefix}_01${id.slice(2)}`;
}

export type ResponseBlock =
  | { type: 'text'; text: string; citations?: Record<string, unknown>[] | null }
  | { type: 'tool_use'; id: string; name: string; input: unknown }
  | { type: 'server_tool_use'; id: string; name: string; input: unknown }
  | { type: 'web_search_tool_result'; tool_use_id: string; content: unknown }
  | { type: 'web_fetch_tool_result'; tool_use_id: string; content: unknown };

export interface ApiMessage {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: ResponseBlock[];
  stop_reason: string;
  stop_sequence: string | null;
  usage: InputUsage & {
    output_tokens: number;
    service_tier: 'standard';
    server_tool_use?: { web_search_requests: number; web_fetch_requests: number };
  };
}

type SuccessReply = Exclude<FakeReply, { error: object }>;

/** Applies stop_sequences and max_tokens to the scripted text the way the model's output would be cut. */
function cutText(
  text: string,
  request: MessagesRequest,
): { text: string; stop?: string; stopSequence?: string } {
  let cut = text;
  let stop: string | undefined;
  let stopSequence: string | undefined;
  for (const sequence of request.stop_sequences ?? []) {
    const at = sequence ? cut.indexOf(sequence) : -1;
    if (at >= 0) {
      cut = cut.slice(0, at);
      stop = 'stop_sequence';
      stopSequence = sequence;
    }
  }
  if (tokensForText(cut) > request.max_tokens) {
    cut = cut.slice(0, request.max_tokens * 4);
    stop = 'max_tokens';
    stopSequence = undefined;
  }
  return { text: cut, stop, stopSequence };
}

export function buildMessage(request: MessagesRequest, reply: SuccessReply, input: InputUsage): ApiMessage {
  const content: ResponseBlock[] = [];
  const server = serverToolBlocks(request, reply);
  content.push(...server.blocks);
  let stopReason: string = reply.stopReason ?? 'end_turn';
  let stopSequence: string | null = null;
  if (typeof reply.text === 'string' && reply.text !== '') {
    const cut = cutText(reply.text, request);
    const cited = server.searched && reply.citations?.length;
    content.push({
      type: 'text',
      text: cut.text,
      ...(cited
        ? {
            citations: reply.citations!.map((citation) => ({
              type: 'web_search_result_location',
              url: citation.url,
              title: citation.title,
              cited_text: citation.cited_text,
              encrypted_index: Buffer.from(citation.url).toString('base64'),
            })),
          }
        : {}),
    });
    if (cut.stop && !reply.stopReason) {
      stopReason = cut.stop;
      stopSequence = cut.stopSequence ?? null;
    }
  }
  const toolUses = reply.toolUse ? (Array.isArray(reply.toolUse) ? reply.toolUse : [reply.toolUse]) : [];
  if (toolUses.length > 0 && stopReason !== 'max_tokens' && stopReason !== 'stop_sequence') {
    for (const tool of toolUses) {
      content.push({
        type: 'tool_use',
        id: tool.id ?? apiId('toolu'),
        name: tool.name,
        input: tool.input ?? {},
      });
    }
    if (!reply.stopReason) stopReason = 'tool_use';
  }
  const output = content.reduce(
    (sum, block) =>
      sum +
      (block.type === 'text'
        ? tokensForText(block.text)
        : block.type === 'tool_use' || block.type === 'server_tool_use'
          ? tokensForText(JSON.stringify(block.input)) + 10
          : 0),
    0,
  );
  return {
    id: apiId('msg'),
    type: 'message',
    role: 'assistant',
    model: request.model,
    content,
    stop_reason: stopReason,
    stop_sequence: stopSequence,
    usage: {
      ...input,
      output_tokens: Math.max(1, output),
      service_tier: 'standard',
      ...(server.searches + server.fetches > 0
        ? { server_tool_use: { web_search_requests: server.searches, web_fetch_requests: server.fetches } }
        : {}),
    },
  };
}

/**
 * The server-tool blocks a scripted reply asks for, as the API returns them — but only for tools the request
 * offered: a model without the tool cannot search, so the scripted search silently does not happen.
 */
function serverToolBlocks(request: MessagesRequest, reply: SuccessReply) {
  const offered = offeredServerTools(request);
  const blocks: ResponseBlock[] = [];
  let searches = 0;
  let fetches = 0;
  for (const search of offered.has('web_search') ? (reply.webSearch ?? []) : []) {
    const id = apiId('srvtoolu');
    blocks.push({ type: 'server_tool_use', id, name: 'web_search', input: { query: search.query } });
    blocks.push({
      type: 'web_search_tool_result',
      tool_use_id: id,
      content: search.results.map((result) => ({
        type: 'web_search_result',
        url: result.url,
        title: result.title,
        page_age: result.page_age ?? null,
        encrypted_content: Buffer.from(`${result.title}|${result.url}`).toString('base64'),
      })),
    });
    searches++;
  }
  for (const page of offered.has('web_fetch') ? (reply.webFetch ?? []) : []) {
    const id = apiId('srvtoolu');
    blocks.push({ type: 'server_tool_use', id, name: 'web_fetch', input: { url: page.url } });
    blocks.push({
      type: 'web_fetch_tool_result',
      tool_use_id: id,
      content: {
        type: 'web_fetch_result',
        url: page.url,
        retrieved_at: new Date().toISOString(),
        content: {
          type: 'document',
          source: { type: 'text', media_type: 'text/plain', data: page.text },
          title: page.title ?? null,
          citations: { enabled: true },
        },
      },
    });
    fetches++;
  }
  return { blocks, searches, fetches, searched: searches + fetches > 0 };
}

function sse(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

function chunks(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

/** The SSE frames of a streamed answer, in the API's order. */
export function sseFrames(
  message: ApiMessage,
  { chunkChars = 12, streamError }: { chunkChars?: number; streamError?: ReplyExtras['streamError'] } = {},
): string[] {
  const { usage } = message;
  const frames = [
    sse('message_start', {
      type: 'message_start',
      message: {
        ...message,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { ...usage, output_tokens: 1 },
      },
    }),
  ];
  message.content.forEach((block, index) => {
    // Result blocks arrive whole in their start event; text and tool input arrive as deltas.
    const start =
      block.type === 'text'
        ? { type: 'text', text: '', ...(block.citations ? { citations: null } : {}) }
        : block.type === 'tool_use' || block.type === 'server_tool_use'
          ? { ...block, input: {} }
          : block;
    frames.push(sse('content_block_start', { type: 'content_block_start', index, content_block: start }));
    if (index === 0) frames.push(sse('ping', { type: 'ping' }));
    const deltas =
      block.type === 'text'
        ? [
            ...(block.citations ?? []).map((citation) => ({ type: 'citations_delta', citation })),
            ...chunks(block.text, chunkChars).map((text) => ({ type: 'text_delta', text })),
          ]
        : block.type === 'tool_use' || block.type === 'server_tool_use'
          ? ['', ...chunks(JSON.stringify(block.input), chunkChars)].map((partial_json) => ({
              type: 'input_json_delta',
              partial_json,
            }))
          : [];
    deltas.forEach((delta, n) => {
      frames.push(sse('content_block_delta', { type: 'content_block_delta', index, delta }));
      if (streamError && index === 0 && n === 0) {
        frames.push(sse('error', { type: 'error', error: streamError }));
      }
    });
    frames.push(sse('content_block_stop', { type: 'content_block_stop', index }));
  });
  if (streamError) {
    // The API ends the stream right after an error event.
    const at = frames.findIndex((f) => f.startsWith('event: error'));
    if (at >= 0) return frames.slice(0, at + 1);
    frames.push(sse('error', { type: 'error', error: streamError }));
    return frames;
  }
  frames.push(
    sse('message_delta', {
      type: 'message_delta',
      delta: { stop_reason: message.stop_reason, stop_sequence: message.stop_sequence },
      usage: {
        input_tokens: usage.input_tokens,
        cache_creation_input_tokens: usage.cache_creation_input_tokens,
        cache_read_input_tokens: usage.cache_read_input_tokens,
        output_tokens: usage.output_tokens,
        ...(usage.server_tool_use ? { server_tool_use: usage.server_tool_use } : {}),
      },
    }),
    sse('message_stop', { type: 'message_stop' }),
  );
  return frames;
}
