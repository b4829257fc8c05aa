// Shell quoting for the scripts the command builders emit: one rule, tested as text.

/** Quote a value for POSIX sh so it is always one word and never expanded. */
export function sh(value: string | number): string {
  const text = String(value);
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(text)) return text;
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** Join script lines, dropping empty ones, with `set -eu` first so a failing line stops the script. */
export function script(...lines: (string | false | undefined)[]): string {
  return ['set -eu', ...lines.filter((l): l is string => typeof l === 'string' && l.length > 0)].join('\n');
}
