// Parsers for configuration values that the loader and each channel's own config file share.

/** Reads one environment variable, trimmed; undefined when unset or blank. */
export type EnvText = (name: string) => string | undefined;

/** `*` allows everyone; otherwise the channel's own user ids. */
export type Allowlist = { everyone: true } | { everyone: false; ids: ReadonlySet<string> };

export function parseAllowlist(value: string | undefined): Allowlist | undefined {
  if (!value) return { everyone: false, ids: new Set() };
  if (value === '*') return { everyone: true };
  const ids = value
    .split(',')
    .map((id) => id.trim())
    .filter(Boolean);
  if (ids.some((id) => !/^-?\d+$/.test(id))) return undefined;
  return { everyone: false, ids: new Set(ids) };
}

export function isHttpUrl(value: string): boolean {
  return /^https?:\/\/[^\s]+$/.test(value);
}
