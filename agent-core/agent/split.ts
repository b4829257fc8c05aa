// Splits a long reply into parts a channel accepts, preferring paragraph, then line, then word boundaries.

export function splitMessage(text: string, limit: number): string[] {
  const parts: string[] = [];
  let rest = text.trim();
  while (rest.length > limit) {
    const window = rest.slice(0, limit);
    const cut = lastBreak(window, '\n\n') ?? lastBreak(window, '\n') ?? lastBreak(window, ' ') ?? limit;
    parts.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  if (rest.length > 0 || parts.length === 0) parts.push(rest);
  return parts;
}

/** Where to cut so that the break stays with the first part; only breaks past half the window count. */
function lastBreak(window: string, separator: string): number | undefined {
  const at = window.lastIndexOf(separator);
  return at > window.length / 2 ? at + separator.length : undefined;
}
