// Deterministic token counts and a prompt-cache simulation for FakeAnthropic, so usage and cost
// accounting (including cache_creation/cache_read tokens) can be tested against predictable numbers.
import { createHash, type Hash } from 'node:crypto';
import type { MessagesRequest } from './anthropic-types.ts';

/** Roughly 4 characters per token, like Claude's tokenizer on English text. Never 0 for content. */
export function tokensForText(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

/** What the fake charges for one image or document block: a fixed figure tests can count on. */
export const IMAGE_TOKENS = 1600;
const MESSAGE_OVERHEAD = 3;
const MAX_BREAKPOINTS = 4;
/** Breakpoints look back at most this many blocks for an earlier cache hit (as the real API does). */
const LOOKBACK_BLOCKS = 20;

interface Segment {
  tokens: number;
  /** What the cache key covers: the block without its cache_control marker. */
  keySource: unknown;
  ttlSeconds?: number;
}

type Block = Record<string, unknown>;

/** The cache key of a block: a string is the same prompt as one text block; markers are not content. */
function withoutMarker(block: unknown): unknown {
  if (typeof block === 'string') return { type: 'text', text: block };
  if (block && typeof block === 'object' && 'cache_control' in block) {
    const { cache_control: _ignored, ...rest } = block as Block;
    return rest;
  }
  return block;
}

function ttlOf(block: unknown): number | undefined {
  const marker = (block as Block | null)?.cache_control as { ttl?: string } | undefined | null;
  if (!marker) return undefined;
  return marker.ttl === '1h' ? 3600 : 300;
}

function blockTokens(block: unknown): number {
  if (typeof block === 'string') return tokensForText(block);
  const b = block as Block;
  if (b.type === 'text' && typeof b.text === 'string') return tokensForText(b.text);
  if (b.type === 'image' || b.type === 'document') return IMAGE_TOKENS;
  if (b.type === 'tool_result') {
    const content = b.content;
    if (typeof content === 'string') return tokensForText(content) + 3;
    if (Array.isArray(content)) return content.reduce((sum: number, c) => sum + blockTokens(c), 3);
    return 3;
  }
  return tokensForText(JSON.stringify(withoutMarker(b)));
}

/** The prompt in the order the API renders and caches it: tools, then system, then messages. */
export function promptSegments(request: MessagesRequest): Segment[] {
  const segments: Segment[] = [];
  const push = (block: unknown, tokens: number) =>
    segments.push({ tokens, keySource: withoutMarker(block), ttlSeconds: ttlOf(block) });
  for (const tool of request.tools ?? []) push(tool, tokensForText(JSON.stringify(withoutMarker(tool))));
  if (typeof request.system === 'string') push(request.system, tokensForText(request.system));
  else for (const block of request.system ?? []) push(block, blockTokens(block));
  for (const message of request.messages) {
    const blocks = typeof message.content === 'string' ? [message.content] : message.content;
    for (const [i, block] of blocks.entries()) {
      push(block, blockTokens(block) + (i === 0 ? MESSAGE_OVERHEAD : 0));
    }
    segments.push({ tokens: 0, keySource: `<end of ${message.role} turn>` });
  }
  // A top-level cache_control marks the last cacheable block.
  if (request.cache_control && segments.length > 0) {
    const last = [...segments].reverse().find((s) => s.tokens > 0);
    if (last && last.ttlSeconds === undefined)
      last.ttlSeconds = request.cache_control.ttl === '1h' ? 3600 : 300;
  }
  return segments;
}

export function countInputTokens(request: MessagesRequest): number {
  return promptSegments(request).reduce((sum, s) => sum + s.tokens, 0);
}

export interface InputUsage {
  input_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  cache_creation: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number };
}

export class TooManyBreakpointsError extends Error {
  override name = 'TooManyBreakpointsError';
}

/** Prefix-keyed cache entries with expiry, like Anthropic's ephemeral prompt cache (5 min or 1 h). */
export class PromptCache {
  readonly #entries = new Map<string, number>();
  constructor(
    /** Prefixes shorter than this are not cached (the real API: 1024–4096 tokens depending on model). */
    public minTokens = 0,
    private readonly now: () => number = Date.now,
  ) {}

  clear(): void {
    this.#entries.clear();
  }

  /** Computes the request's input usage and updates the cache as the API would once the answer starts. */
  account(request: MessagesRequest): InputUsage {
    const segments = promptSegments(request);
    const breakpoints = segments.flatMap((s, i) => (s.ttlSeconds !== undefined ? [i] : []));
    if (breakpoints.length > MAX_BREAKPOINTS) {
      throw new TooManyBreakpointsError(
        `A maximum of ${MAX_BREAKPOINTS} blocks with cache_control may be provided. Found ${breakpoints.length}.`,
      );
    }
    const total = segments.reduce((sum, s) => sum + s.tokens, 0);
    const none = { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 };
    const lastBreakpoint = breakpoints.at(-1);
    if (lastBreakpoint === undefined) {
      return {
        input_tokens: total,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
        cache_creation: none,
      };
    }
    const keys: string[] = [];
    const prefixTokens: number[] = [];
    const hash: Hash = createHash('sha256').update(String(request.model));
    let running = 0;
    for (const segment of segments) {
      hash.update(JSON.stringify(segment.keySource ?? null));
      running += segment.tokens;
      keys.push(hash.copy().digest('hex'));
      prefixTokens.push(running);
    }
    const cachedTokens = prefixTokens[lastBreakpoint]!;
    if (cachedTokens < this.minTokens) {
      return {
        input_tokens: total,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
        cache_creation: none,
      };
    }
    const now = this.now();
    let readAt = -1;
    for (const bp of [...breakpoints].reverse()) {
      for (let j = bp; j >= 0 && j >= bp - LOOKBACK_BLOCKS && readAt < 0; j--) {
        const expires = this.#entries.get(keys[j]!);
        if (expires !== undefined && expires > now) readAt = j;
      }
      if (readAt >= 0) break;
    }
    const read = readAt >= 0 ? prefixTokens[readAt]! : 0;
    const created = cachedTokens - read;
    if (readAt >= 0) this.#entries.set(keys[readAt]!, now + (segments[readAt]?.ttlSeconds ?? 300) * 1000);
    for (const bp of breakpoints) this.#entries.set(keys[bp]!, now + segments[bp]!.ttlSeconds! * 1000);
    const longTtl = segments[lastBreakpoint]!.ttlSeconds === 3600;
    return {
      input_tokens: total - cachedTokens,
      cache_creation_input_tokens: created,
      cache_read_input_tokens: read,
      cache_creation: {
        ephemeral_5m_input_tokens: longTtl ? 0 : created,
        ephemeral_1h_input_tokens: longTtl ? created : 0,
      },
    };
  }
}
