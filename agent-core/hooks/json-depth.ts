// How deeply a JSON text nests arrays and objects, found by one pass over the text with a counter: no recursion,
// so no body can overflow the stack here, and it costs O(length) of a body the route's size limit already bounds.
// Webhook bodies nest a handful of levels (Stripe and GitHub events fewer than 20); the datastore refuses values
// nested past about 200, and the SDK's encoder and JSON.stringify recurse once per level.

/** The deepest a webhook body may nest: far above what senders send, far below what the engine refuses. */
export const MAX_HOOK_JSON_DEPTH = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;

/**
 * The deepest nesting of arrays and objects in `text` (`1` → 0, `[]` → 1, `{"a":[1]}` → 2), brackets inside
 * strings not counted. Stops counting once past `stopAbove` (returning a value above it). Meant for text that
 * JSON.parse accepted; for any other text it is a bound, not an exact answer.
 */
export function jsonDepth(text: string, stopAbove = Number.POSITIVE_INFINITY): number {
  let depth = 0;
  let deepest = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      // Skip the string: an escaped character (\" or \\) never ends it.
      for (i++; i < text.length; i++) {
        const s = text.charCodeAt(i);
        if (s === BACKSLASH) i++;
        else if (s === QUOTE) break;
      }
    } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > stopAbove) return deepest;
      }
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
      depth--;
    }
  }
  return deepest;
}
