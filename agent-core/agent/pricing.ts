// Prices per million tokens, by model family, to record the cost of every call (cache writes and reads included),
// plus what is billed per use: server-side web searches, and speech to text per minute of audio.

export interface Price {
  input: number;
  output: number;
  cacheWrite: number;
  cacheRead: number;
}

const FAMILIES: [RegExp, Price][] = [
  [/opus-4-[01]|opus-3/, { input: 15, output: 75, cacheWrite: 18.75, cacheRead: 1.5 }],
  [/opus/, { input: 5, output: 25, cacheWrite: 6.25, cacheRead: 0.5 }],
  [/haiku-3/, { input: 0.25, output: 1.25, cacheWrite: 0.3, cacheRead: 0.03 }],
  [/haiku/, { input: 1, output: 5, cacheWrite: 1.25, cacheRead: 0.1 }],
  [/sonnet|.*/, { input: 3, output: 15, cacheWrite: 3.75, cacheRead: 0.3 }],
];

export function priceOf(model: string): Price {
  for (const [pattern, price] of FAMILIES) if (pattern.test(model)) return price;
  return FAMILIES[FAMILIES.length - 1]![1];
}

export interface UsageCounts {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  /** Web searches the API ran in the call; web fetches cost only the tokens they add. */
  web_search_requests?: number;
}

/** The Messages API's web search: $10 per 1,000 searches, on top of the tokens the results add. */
export const WEB_SEARCH_USD = 10 / 1000;

export function costUsd(model: string, usage: UsageCounts): number {
  const price = priceOf(model);
  const dollars =
    usage.input_tokens * price.input +
    usage.output_tokens * price.output +
    usage.cache_creation_input_tokens * price.cacheWrite +
    usage.cache_read_input_tokens * price.cacheRead;
  return dollars / 1e6 + (usage.web_search_requests ?? 0) * WEB_SEARCH_USD;
}

/** Speech to text is priced per minute of audio (configurable: services and models differ). */
export function transcriptionCostUsd(pricePerMinute: number, seconds: number): number {
  return (Math.max(0, seconds) / 60) * pricePerMinute;
}
