// Looking things up: the Messages API's own web search and web fetch tools (the API runs them; MONO only offers
// them, in the owner's turns). Their results come back as content blocks: the searches are kept for the
// desktop, and the sources Claude cited become links under the reply. What a page says is untrusted content.
import type Anthropic from '@anthropic-ai/sdk';
import type { ToolCallRecord } from '../contract/tables.ts';

export type ServerTool = Anthropic.WebSearchTool20250305 | Anthropic.WebFetchTool20250910;

/**
 * The basic versions: every current model takes them and they need no code execution. At most 5 searches and 5
 * fetches per call (a page that asks for endless lookups cannot run up the bill), fetched pages cut to ~20k tokens.
 */
export const WEB_TOOLS: readonly ServerTool[] = [
  { type: 'web_search_20250305', name: 'web_search', max_uses: 5 },
  {
    type: 'web_fetch_20250910',
    name: 'web_fetch',
    max_uses: 5,
    max_content_tokens: 20_000,
    citations: { enabled: true },
  },
];

export interface Source {
  url: string;
  title: string;
}

/** The web sources Claude cited in its text, in order, each once. */
export function citedSources(content: readonly Anthropic.ContentBlock[]): Source[] {
  const seen = new Map<string, Source>();
  for (const block of content) {
    if (block.type !== 'text') continue;
    for (const citation of block.citations ?? []) {
      const url =
        citation.type === 'web_search_result_location' ? citation.url : (citation as { url?: unknown }).url;
      if (typeof url !== 'string' || !/^https?:\/\//.test(url) || seen.has(url)) continue;
      const title = (citation as { title?: unknown }).title;
      seen.set(url, {
        url,
        title: typeof title === 'string' && title.trim() ? title.trim() : new URL(url).host,
      });
    }
  }
  return [...seen.values()];
}

/** The reply with its sources as Markdown links (each channel renders links its own way). */
export function withSources(text: string, sources: readonly Source[]): string {
  if (sources.length === 0 || !text) return text;
  const missing = sources.filter((source) => !text.includes(source.url));
  if (missing.length === 0) return text;
  const links = missing
    .slice(0, 8)
    .map((source) => `- [${source.title.replace(/[[\]]/g, '')}](${source.url})`);
  return `${text}\n\nSources:\n${links.join('\n')}`;
}

/** Each search or fetch the API ran, with what it found, as the desktop shows tool calls. */
export function serverToolCalls(content: readonly Anthropic.ContentBlock[]): ToolCallRecord[] {
  const calls: ToolCallRecord[] = [];
  for (const block of content) {
    if (block.type !== 'server_tool_use' || (block.name !== 'web_search' && block.name !== 'web_fetch'))
      continue;
    const result = content.find(
      (other) =>
        (other.type === 'web_search_tool_result' || other.type === 'web_fetch_tool_result') &&
        other.tool_use_id === block.id,
    );
    const outcome = describeResult(result);
    calls.push({
      id: block.id,
      name: block.name,
      input: block.input,
      server: true,
      ...(outcome ? { result: outcome.result } : {}),
      ...(outcome?.error ? { is_error: true } : {}),
    });
  }
  return calls;
}

function describeResult(
  block: Anthropic.ContentBlock | undefined,
): { result: unknown; error?: boolean } | undefined {
  if (!block) return undefined;
  if (block.type === 'web_search_tool_result') {
    const content = block.content;
    if (!Array.isArray(content)) return { result: `search failed: ${content.error_code}`, error: true };
    return { result: content.map((item) => ({ title: item.title, url: item.url })) };
  }
  if (block.type === 'web_fetch_tool_result') {
    const content = block.content;
    if (content.type === 'web_fetch_tool_result_error')
      return { result: `fetch failed: ${content.error_code}`, error: true };
    return { result: { url: content.url, title: content.content.title ?? null } };
  }
  return undefined;
}
