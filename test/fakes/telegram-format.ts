// Telegram's parse_mode rules, enough to reject what the real Bot API rejects ("can't parse entities")
// and to measure a message's length after formatting the way the 4096-character limit counts it.

export type ParseMode = 'HTML' | 'MarkdownV2' | 'Markdown';

/** Tags the Bot API accepts in HTML mode (https://core.telegram.org/bots/api#html-style). */
const HTML_TAGS = new Set([
  'b',
  'strong',
  'i',
  'em',
  'u',
  'ins',
  's',
  'strike',
  'del',
  'span',
  'tg-spoiler',
  'a',
  'tg-emoji',
  'code',
  'pre',
  'blockquote',
]);

const MDV2_RESERVED = new Set([
  '_',
  '*',
  '[',
  ']',
  '(',
  ')',
  '~',
  '`',
  '>',
  '#',
  '+',
  '-',
  '=',
  '|',
  '{',
  '}',
  '.',
  '!',
]);

const MDV2_ENTITY_NAMES: Record<string, string> = {
  '*': 'Bold',
  _: 'Italic',
  __: 'Underline',
  '~': 'Strikethrough',
  '||': 'Spoiler',
};

function byteOffset(text: string, index: number): number {
  return Buffer.byteLength(text.slice(0, index));
}

/** Returns the text after "can't parse entities: " that Telegram would answer, or undefined when valid. */
export function entityError(text: string, parseMode: string): string | undefined {
  if (parseMode === 'HTML') return htmlError(text);
  if (parseMode === 'MarkdownV2') return markdownV2Error(text);
  if (parseMode === 'Markdown') return markdownError(text);
  return undefined;
}

function htmlError(text: string): string | undefined {
  const open: string[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== '<') continue;
    const close = text.indexOf('>', i);
    if (close < 0) return `Can't find end of the tag at byte offset ${byteOffset(text, i)}`;
    const inner = text.slice(i + 1, close);
    if (inner.startsWith('/')) {
      const name = inner.slice(1).trim().toLowerCase();
      const expected = open.pop();
      if (expected !== name) {
        return `Unmatched end tag at byte offset ${byteOffset(text, i)}, expected "</${expected ?? ''}>", found "</${name}>"`;
      }
    } else {
      const name = (/^[a-zA-Z-]+/.exec(inner)?.[0] ?? inner).toLowerCase();
      if (!HTML_TAGS.has(name))
        return `Unsupported start tag "${name}" at byte offset ${byteOffset(text, i)}`;
      open.push(name);
    }
    i = close;
  }
  const unclosed = open.pop();
  return unclosed ? `Can't find end tag corresponding to start tag "${unclosed}"` : undefined;
}

function markdownV2Error(text: string): string | undefined {
  const open: { marker: string; at: number }[] = [];
  let linkText = -1;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\\') {
      i++;
      continue;
    }
    if (ch === '`') {
      const fence = text.startsWith('```', i) ? '```' : '`';
      const end = findUnescaped(text, fence, i + fence.length);
      if (end < 0)
        return `Can't find end of ${fence === '```' ? 'Pre' : 'Code'} entity at byte offset ${byteOffset(text, i)}`;
      i = end + fence.length - 1;
      continue;
    }
    const atLineStart = i === 0 || text[i - 1] === '\n';
    if (ch === '>' && atLineStart) continue;
    if (ch === '*' || ch === '_' || ch === '~' || (ch === '|' && text[i + 1] === '|')) {
      const marker = ch === '_' && text[i + 1] === '_' ? '__' : ch === '|' ? '||' : ch;
      const top = open.at(-1);
      if (top?.marker === marker) open.pop();
      else open.push({ marker, at: i });
      i += marker.length - 1;
      continue;
    }
    if (ch === '[') {
      linkText = i;
      continue;
    }
    if (ch === ']' && linkText >= 0 && text[i + 1] === '(') {
      const end = text.indexOf(')', i + 2);
      if (end < 0) return `Can't find end of a URL at byte offset ${byteOffset(text, i + 2)}`;
      linkText = -1;
      i = end;
      continue;
    }
    if (MDV2_RESERVED.has(ch))
      return `Character '${ch}' is reserved and must be escaped with the preceding '\\'`;
  }
  if (linkText >= 0) return `Can't find end of a URL at byte offset ${byteOffset(text, linkText)}`;
  const unclosed = open[0];
  if (unclosed) {
    return `Can't find end of ${MDV2_ENTITY_NAMES[unclosed.marker]} entity at byte offset ${byteOffset(text, unclosed.at)}`;
  }
  return undefined;
}

function markdownError(text: string): string | undefined {
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\\') {
      i++;
      continue;
    }
    const closing =
      ch === '*' || ch === '_'
        ? ch
        : ch === '`'
          ? text.startsWith('```', i)
            ? '```'
            : '`'
          : ch === '['
            ? ']'
            : '';
    if (!closing) continue;
    const end = text.indexOf(closing, i + (closing === '```' ? 3 : 1));
    if (end < 0) return `Can't find end of the entity starting at byte offset ${byteOffset(text, i)}`;
    i = end + closing.length - 1;
  }
  return undefined;
}

function findUnescaped(text: string, needle: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    if (text[i] === '\\') {
      i++;
      continue;
    }
    if (text.startsWith(needle, i)) return i;
  }
  return -1;
}

/** The length Telegram checks against 4096: UTF-16 code units of the text once markup is removed. */
export function visibleLength(text: string, parseMode: string | undefined): number {
  if (parseMode === 'HTML') {
    const stripped = text.replace(/<[^>]*>/g, '').replace(/&(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);/g, 'x');
    return stripped.length;
  }
  if (parseMode === 'MarkdownV2' || parseMode === 'Markdown') {
    const withoutUrls = text.replace(/\]\([^)]*\)/g, ']');
    let length = 0;
    for (let i = 0; i < withoutUrls.length; i++) {
      const ch = withoutUrls[i]!;
      if (ch === '\\') {
        length++;
        i++;
      } else if (!'*_~`[]|'.includes(ch)) {
        length++;
      }
    }
    return length;
  }
  return text.length;
}
