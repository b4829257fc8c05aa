// Text chosen by strangers (names, messages) made safe to print: control characters (terminal escapes, carriage
// returns that overwrite a line, bell) and bidirectional overrides (text that reads differently than it is) are
// replaced before the text reaches a terminal or a log line.

// C0 and C1 controls, DEL, and the bidi embedding/override/isolate marks.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is what this is for.
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** One line of printable text, at most `max` characters (a name in a list, a value in a log line). */
export function printable(text: unknown, max = 200): string {
  const line = String(text ?? '')
    .replace(UNPRINTABLE, ' ')
    .replace(/ {2,}/g, ' ')
    .trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
