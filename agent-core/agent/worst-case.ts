// The most one Messages API call can cost, known before it goes out (the budget reserves it, then settles to the
// real cost): every byte of the request counted as an input token written to the prompt cache (a token is never
// shorter than a byte, and a cache write is the dearest input), every allowed output token, and server tools
// (web search, web fetch) at their limits. Base64 media is not counted by its bytes: an image at most ~3,300
// tokens (its long edge is scaled to 1568 px, 750 px² a token); a document page by page is unknown here, so a
// document counts its base64 length / 2 tokens (refine with the page count if that proves too tight).
import { priceOf } from './pricing.ts';

const IMAGE_TOKENS = 3300;
/** Server tools without a limit on their uses are counted at this many uses. */
const DEFAULT_MAX_USES = 10;
const WEB_SEARCH_FEE_USD = 0.01;
/** Input tokens one search result page or fetched page may add when the tool sets no limit. */
const DEFAULT_RESULT_TOKENS = 25_000;

export interface RequestShape {
  model: string;
  max_tokens: number;
  tools?: readonly unknown[];
  [key: string]: unknown;
}

export function worstCaseUsd(request: RequestShape): number {
  const price = priceOf(request.model);
  let mediaTokens = 0;
  const json = JSON.stringify(request, (key, value: unknown) => {
    // A base64 source: counted by what the model sees, not by its bytes.
    if (key === 'source' && isObject(value) && value.type === 'base64' && typeof value.data === 'string') {
      mediaTokens += String(value.media_type).startsWith('image/')
        ? IMAGE_TOKENS
        : Math.ceil(value.data.length / 2);
      return { ...value, data: '' };
    }
    return value;
  });
  let serverUsd = 0;
  for (const tool of request.tools ?? []) {
    if (!isObject(tool) || typeof tool.type !== 'string' || 'input_schema' in tool) continue;
    const uses = typeof tool.max_uses === 'number' ? tool.max_uses : DEFAULT_MAX_USES;
    const tokens =
      typeof tool.max_content_tokens === 'number' ? tool.max_content_tokens : DEFAULT_RESULT_TOKENS;
    const fee = tool.type.startsWith('web_search') ? WEB_SEARCH_FEE_USD : 0;
    serverUsd += uses * (fee + (tokens * price.cacheWrite) / 1e6);
  }
  const inputTokens = Buffer.byteLength(json) + mediaTokens;
  return (inputTokens * price.cacheWrite + request.max_tokens * price.output) / 1e6 + serverUsd;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
