// The frame every remote `mono` command shares: parse, help, output mode, and failures turned into exit codes.
import type { ParseArgsConfig } from 'node:util';
import { errorMessage } from '../../../agent-core/util/error-message.ts';
import { HostSpecError } from '../host-spec.ts';
import { parse, UsageError } from './options.ts';
import { createOutput, type Output } from './render.ts';

export interface CommandContext {
  values: Record<string, unknown>;
  positionals: string[];
  output: Output;
  json: boolean;
  /** A person at a terminal (prompts allowed). */
  interactive: boolean;
}

const CONNECTION_HELP = `Connection options:
  -i, --identity KEY         private SSH key (default: ssh-agent); an encrypted key's passphrase is read
                             from $MONO_SSH_PASSPHRASE
  --host-key SHA256:…        the fingerprint the VPS's host key must have (from your provider's console);
                             pinned on first contact, refused when it differs
  --accept-new-host-key      pin the host key of a new VPS without checking it (trust on first use)
  --known-hosts FILE         MONO's known-hosts file (default ~/.mono/known_hosts, or $MONO_HOME)
  --lock-timeout SECONDS     wait this long for another deploy's lock (default: fail at once)
  --json                     one JSON event per line (for programs)`;

export async function runCommand(
  name: string,
  argv: string[],
  spec: {
    usage: string;
    options: NonNullable<ParseArgsConfig['options']>;
    help: string;
    multiHost?: boolean;
  },
  body: (ctx: CommandContext) => Promise<number>,
): Promise<number> {
  let ctx: CommandContext;
  try {
    const { values, positionals } = parse(argv, spec.options);
    const json = values.json === true;
    if (values.help) {
      console.log(`Usage: mono ${spec.usage}\n\n${spec.help}\n\n${CONNECTION_HELP}`);
      return 0;
    }
    const tty = Boolean(process.stdout.isTTY) && !json;
    ctx = {
      values,
      positionals,
      json,
      interactive: tty && Boolean(process.stdin.isTTY),
      output: createOutput({ json, tty, multiHost: spec.multiHost }),
    };
  } catch (error) {
    console.error(`mono ${name}: ${errorMessage(error)}\nUsage: mono ${spec.usage}  (mono ${name} --help)`);
    return 2;
  }
  try {
    return await body(ctx);
  } catch (error) {
    if (error instanceof UsageError || error instanceof HostSpecError) {
      ctx.output.done();
      console.error(`mono ${name}: ${error.message}\nUsage: mono ${spec.usage}`);
      return 2;
    }
    return ctx.output.fail(error, name);
  }
}

export function requireOne(positionals: string[], what: string): string {
  if (positionals.length !== 1) throw new UsageError(`expected exactly one ${what}`);
  return positionals[0]!;
}

/**
 * Ctrl-C during a deploy: the first one cancels at the next safe point (the lock is released, nothing half
 * switched); a second one exits at once.
 */
export async function withInterrupt<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const abort = new AbortController();
  const onSigint = () => {
    if (abort.signal.aborted) process.exit(130);
    process.stderr.write('\nmono: cancelling at the next safe point (Ctrl-C again to quit now)…\n');
    abort.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    return await work(abort.signal);
  } finally {
    process.off('SIGINT', onSigint);
  }
}
