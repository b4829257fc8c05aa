// The agent's secrets: checked at input (a typo or a pasted line break fails before anything is uploaded) and
// written to /etc/mono/agent.env quoted exactly as systemd's EnvironmentFile= reads it back.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Secret } from '../../agent-core/config/secret.ts';
import { ProvisionError } from './errors.ts';

export interface AgentEnv {
  /** The file as written on the VPS (systemd quoting), only ever sent over SSH on stdin. */
  content: Secret;
  sha256: string;
  /** Every value (to redact from anything MONO prints). */
  values: string[];
  keys: string[];
  /** MONO_HTTP_PORT / MONO_HTTP_HOST when the file overrides them (the health check and socket follow). */
  httpPort?: number;
  httpHost?: string;
  /** The channels these settings turn on: the health gate waits for each of them. */
  channels: string[];
}

/** Which settings turn a channel on (the agent's config loader decides the same way). */
const CHANNEL_KEYS: Record<string, string[]> = {
  telegram: ['TELEGRAM_BOT_TOKEN'],
  whatsapp: ['WHATSAPP_TOKEN', 'MONO_WHATSAPP_LINKED'],
  email: ['MONO_EMAIL_IMAP_URL'],
};

export function configuredChannels(pairs: Iterable<[string, string]>): string[] {
  const set = new Map([...pairs].filter(([, v]) => v !== '' && v !== '0' && v.toLowerCase() !== 'false'));
  return Object.entries(CHANNEL_KEYS)
    .filter(([, keys]) => keys.some((k) => set.has(k)))
    .map(([name]) => name);
}

const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Why a variable name cannot be used, or undefined. */
export function envKeyProblem(key: string): string | undefined {
  return KEY.test(key)
    ? undefined
    : `"${key}" is not a variable name (letters, digits and _; not first a digit)`;
}

/**
 * Why a value cannot be stored, or undefined. Never quotes the value: it is usually a secret. A line break, tab
 * or other control character in a token is a paste accident, and would cut the env file's line in two.
 */
export function envValueProblem(key: string, value: string): string | undefined {
  if (CONTROL.test(value))
    return `${key} contains a line break, tab or other control character; paste the value again without it`;
  return undefined;
}

/** systemd's EnvironmentFile= inside double quotes: a backslash escapes " \ ` $ (and nothing is expanded). */
function quoteForSystemd(value: string): string {
  return `"${value.replace(/["\\`$]/g, (c) => `\\${c}`)}"`;
}

/** The env file's text for these settings, one `KEY="value"` line each (values checked first). */
export function formatAgentEnv(entries: Iterable<[string, string]>): string {
  const lines: string[] = [];
  const problems: string[] = [];
  for (const [key, value] of entries) {
    const problem = envKeyProblem(key) ?? envValueProblem(key, value);
    if (problem) problems.push(problem);
    else lines.push(`${key}=${quoteForSystemd(value)}`);
  }
  if (problems.length) throw secretsError(problems.join('; '));
  return lines.map((l) => `${l}\n`).join('');
}

/** Builds the agent's env from settings kept elsewhere (the desktop's vault): the same rules as a file. */
export function agentEnvFrom(entries: Iterable<[string, string | Secret]>): AgentEnv {
  const pairs = [...entries].map(([k, v]): [string, string] => [k, v instanceof Secret ? v.reveal() : v]);
  return toAgentEnv(pairs, formatAgentEnv(pairs), 'the settings');
}

/**
 * Parses what a person writes: KEY=value lines, `#` comments, an optional `export `. A value wrapped in matching
 * quotes is taken literally between them (no escapes); a quote that does not close on its line is refused,
 * since values cannot span lines. Problems name the line and key, never the value.
 */
export function parseAgentEnv(text: string, source = 'the env file'): AgentEnv {
  const pairs: [string, string][] = [];
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)$/.exec(line);
    if (!m) {
      problems.push(`line ${i + 1} is not KEY=value`);
      return;
    }
    const key = m[1]!;
    let value = m[2]!.trim();
    const quote = /^['"]/.exec(value)?.[0];
    if (quote) {
      if (value.length < 2 || !value.endsWith(quote)) {
        problems.push(`line ${i + 1}: the quoted value of ${key} does not end on its line`);
        return;
      }
      value = value.slice(1, -1);
    }
    const problem = envValueProblem(key, value);
    if (problem) problems.push(`line ${i + 1}: ${problem}`);
    else pairs.push([key, value]);
  });
  if (problems.length) throw secretsError(`${source}: ${problems.join('; ')}`);
  return toAgentEnv(pairs, formatAgentEnv(pairs), source);
}

/**
 * Reads the env file as it is on a VPS (written by MONO, or by hand before) the way systemd does: its values
 * (to redact) and the channels it turns on. Never throws; lines it cannot read are skipped.
 */
export function readRemoteEnv(text: string): { values: string[]; channels: string[] } {
  const pairs: [string, string][] = [];
  for (const raw of text.split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)$/.exec(raw);
    if (!m) continue;
    const value = m[2]!.trim();
    if (/^".*"$/.test(value)) pairs.push([m[1]!, value.slice(1, -1).replace(/\\(["\\`$])/g, '$1')]);
    else if (/^'.*'$/.test(value)) pairs.push([m[1]!, value.slice(1, -1)]);
    else pairs.push([m[1]!, value]);
  }
  return { values: pairs.map(([, v]) => v).filter(Boolean), channels: configuredChannels(pairs) };
}

export async function readAgentEnv(path: string): Promise<AgentEnv> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ProvisionError(
      'secrets',
      `cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? error})`,
      'Check the path given to --env-file.',
    );
  }
  return parseAgentEnv(text, path);
}

function toAgentEnv(pairs: [string, string][], content: string, source: string): AgentEnv {
  const env = new Map(pairs);
  const port = env.get('MONO_HTTP_PORT');
  let httpPort: number | undefined;
  if (port !== undefined) {
    httpPort = Number(port);
    if (!Number.isInteger(httpPort) || httpPort < 1 || httpPort > 65535)
      throw secretsError(`${source}: MONO_HTTP_PORT is not a port number`);
  }
  return {
    content: new Secret(content),
    sha256: createHash('sha256').update(content).digest('hex'),
    values: pairs.map(([, v]) => v).filter(Boolean),
    keys: pairs.map(([k]) => k),
    ...(httpPort !== undefined && { httpPort }),
    ...(env.get('MONO_HTTP_HOST') && { httpHost: env.get('MONO_HTTP_HOST') }),
    channels: configuredChannels(pairs),
  };
}

function secretsError(reason: string): ProvisionError {
  return new ProvisionError(
    'secrets',
    reason,
    'Write one KEY=value per line (# starts a comment; quotes are optional and must close on the same line), then run the command again.',
  );
}
