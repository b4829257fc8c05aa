// The user's secrets file (KEY=value lines): checked here so a typo fails before anything is uploaded.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Secret } from '../../agent-core/config/secret.ts';
import { ProvisionError } from './errors.ts';

export interface AgentEnv {
  /** The file's exact bytes, only ever sent over SSH on stdin. */
  content: Secret;
  sha256: string;
  /** Every value (to redact from anything MONO prints). */
  values: string[];
  keys: string[];
  /** MONO_HTTP_PORT when the file overrides it (the health check must follow). */
  httpPort?: number;
}

/** Parses env-file text. Problems name the line and key, never the value. */
export function parseAgentEnv(text: string, source = 'the env file'): AgentEnv {
  const keys: string[] = [];
  const values: string[] = [];
  const problems: string[] = [];
  let httpPort: number | undefined;
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)$/.exec(line);
    if (!m) {
      problems.push(`line ${i + 1} is not KEY=value`);
      return;
    }
    const key = m[1]!;
    const value = m[2]!.trim().replace(/^(['"])(.*)\1$/, '$2');
    keys.push(key);
    if (value) values.push(value);
    if (key === 'MONO_HTTP_PORT') {
      httpPort = Number(value);
      if (!Number.isInteger(httpPort) || httpPort < 1 || httpPort > 65535)
        problems.push(`line ${i + 1}: MONO_HTTP_PORT is not a port number`);
    }
  });
  if (problems.length)
    throw new ProvisionError(
      'secrets',
      `${source}: ${problems.join('; ')}`,
      'Write one KEY=value per line (# starts a comment), then run the command again.',
    );
  return {
    content: new Secret(text.endsWith('\n') || text === '' ? text : `${text}\n`),
    sha256: createHash('sha256')
      .update(text.endsWith('\n') || text === '' ? text : `${text}\n`)
      .digest('hex'),
    values,
    keys,
    httpPort,
  };
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
