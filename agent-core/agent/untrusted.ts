// Untrusted content in a turn, and the rule that goes with it: text MONO did not get from the owner (an email
// body, a webhook payload, a fetched page or search result, a guest's words, a file's text) may inform an
// answer, but it never drives a tool that changes state or spends on its own. Once such content is in a turn,
// every tool that is not `readOnly` waits for the owner's /yes (tools/confirmations.ts), shown with exactly what
// will happen.
//
// How content gets marked (one way for each source):
// - A stored message: `untrusted: ['file']` on the InboundMessage a channel hands over (stored with the message,
//   field `untrusted` on `message`). Every turn whose history holds that message is tainted.
// - A tool result: the tool returns `{ content, untrusted: 'email' }` (e.g. email_read).
// - A server tool's result in Claude's response (`web_search_tool_result`, `web_fetch_tool_result`, any
//   `*_tool_result` block the API executed itself): marked by the tool loop, nothing to do.
// - Anything else: `context.taint.mark('webhook')` on the turn's Taint.
// A reply written in a tainted turn is stored with the kinds found during that turn, so what the content made
// the model say keeps the following turns tainted while it is in their history.

export const UNTRUSTED_KINDS = ['email', 'webhook', 'web', 'server-tool', 'guest', 'file'] as const;
export type UntrustedKind = (typeof UNTRUSTED_KINDS)[number];

const NAMES: Record<UntrustedKind, string> = {
  email: 'an email',
  webhook: 'a webhook’s data',
  web: 'a web page or search result',
  'server-tool': 'a tool’s output',
  guest: 'a guest’s words',
  file: 'a file’s text',
};

export function isUntrustedKind(value: unknown): value is UntrustedKind {
  return typeof value === 'string' && (UNTRUSTED_KINDS as readonly string[]).includes(value);
}

/** The kinds of untrusted content a turn has seen: inherited from its history, or found while it ran. */
export class Taint {
  readonly #inherited = new Set<UntrustedKind>();
  readonly #found = new Set<UntrustedKind>();

  constructor(inherited: Iterable<unknown> = []) {
    for (const kind of inherited) if (isUntrustedKind(kind)) this.#inherited.add(kind);
  }

  /** Content of these kinds entered the turn now (a tool result, a server tool's result…). */
  mark(...kinds: UntrustedKind[]): void {
    for (const kind of kinds) this.#found.add(kind);
  }

  get tainted(): boolean {
    return this.#inherited.size + this.#found.size > 0;
  }

  /** Every kind in the turn. */
  get kinds(): UntrustedKind[] {
    return [...new Set([...this.#inherited, ...this.#found])];
  }

  /** The kinds found while the turn ran: stored with its reply. */
  get found(): UntrustedKind[] {
    return [...this.#found];
  }
}

/** Why the owner is asked: "this conversation holds an email and a web page or search result". */
export function describeKinds(kinds: readonly UntrustedKind[]): string {
  const names = kinds.map((kind) => NAMES[kind]);
  if (names.length <= 1) return names[0] ?? '';
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/** Server-tool results in a response (blocks the API executed itself, e.g. `web_search_tool_result`). */
export function serverToolKinds(content: readonly { type: string }[]): UntrustedKind[] {
  const kinds = new Set<UntrustedKind>();
  for (const block of content) {
    if (block.type === 'tool_result' || !block.type.endsWith('_tool_result')) continue;
    kinds.add(block.type.startsWith('web_') ? 'web' : 'server-tool');
  }
  return [...kinds];
}

/** Marks stored with a message: only known kinds, each once. */
export function untrustedMarks(values: readonly unknown[] | undefined): UntrustedKind[] {
  return [...new Set((values ?? []).filter(isUntrustedKind))];
}
