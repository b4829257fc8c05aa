// Command-line options every remote `mono` command shares (host spec, key, host-key policy, output mode).
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { Secret } from '../../../agent-core/config/secret.ts';
import { errorMessage } from '../../../agent-core/util/error-message.ts';
import { parseFingerprint } from '../../ssh/host-keys.ts';
import type { Target } from '../connect.ts';
import { parseHostSpec } from '../host-spec.ts';
import { askYesNo } from './prompt.ts';

export const CONNECTION_OPTIONS = {
  identity: { type: 'string', short: 'i' },
  'accept-new-host-key': { type: 'boolean' },
  'host-key': { type: 'string' },
  'known-hosts': { type: 'string' },
  'lock-timeout': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

export class UsageError extends Error {
  override name = 'UsageError';
}

export function parse<O extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: O) {
  try {
    return parseArgs({
      args: argv,
      options: { ...CONNECTION_OPTIONS, ...options },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError(errorMessage(error));
  }
}

export function expandHome(path: string): string {
  return path.startsWith('~/') ? resolve(homedir(), path.slice(2)) : resolve(path);
}

/** A Target from `[user@]host[:port]` and the shared options; on a terminal, unknown host keys are asked about. */
export function targetFrom(spec: string, values: Record<string, unknown>, interactive: boolean): Target {
  const host = parseHostSpec(spec);
  return {
    host: host.host,
    port: host.port,
    username: host.username,
    identity: typeof values.identity === 'string' ? expandHome(values.identity) : undefined,
    // An encrypted key's passphrase comes from the environment, never from the command line (ps, history).
    passphrase: process.env.MONO_SSH_PASSPHRASE ? new Secret(process.env.MONO_SSH_PASSPHRASE) : undefined,
    knownHostsPath: typeof values['known-hosts'] === 'string' ? expandHome(values['known-hosts']) : undefined,
    acceptNewHostKey: values['accept-new-host-key'] === true,
    ...(typeof values['host-key'] === 'string' && { hostKey: fingerprintOption(values['host-key']) }),
    confirmHostKey: interactive
      ? ({ host: h, port, key }) =>
          askYesNo(
            `The host key of ${h}:${port} is not known yet:\n  ${key.type} ${key.fingerprint}\nCompare it with your provider's console, then: trust it and pin it? [y/N] `,
          )
      : undefined,
  };
}

function fingerprintOption(text: string): string {
  try {
    return parseFingerprint(text);
  } catch (error) {
    throw new UsageError(`--host-key: ${errorMessage(error)}`);
  }
}

export function seconds(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`--${name} takes a number of seconds`);
  return n * 1000;
}
