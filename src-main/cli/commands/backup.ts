// `mono backup [HOST] --out FILE`: a consistent snapshot of the agent's data, taken while it keeps running.
import { backup } from '../../backup/backup.ts';
import { readPassphraseFile } from '../../backup/file.ts';
import { runCommand, withInterrupt } from '../../provision/terminal/command.ts';
import { expandHome, targetFrom, UsageError } from '../../provision/terminal/options.ts';
import { formatBytes, formatMs } from '../../provision/terminal/render.ts';

export const BACKUP_HELP = `Writes everything the agent knows (conversations, memory, jobs, usage, settings, pairings) to FILE,
compressed, while the agent keeps running. Not included: the secrets in /etc/mono/agent.env.
Without HOST, the agent on this computer ("mono agent", or MONO's own while it is not running).
  --out FILE                 where to write the backup (replaced only once the new one is complete)
  --passphrase-file FILE     encrypt it with the passphrase on the first line of FILE (scrypt + AES-256-GCM)
  --data-dir DIR             the local agent's data directory (default $MONO_DATA_DIR or ~/.mono/agent)`;

export async function run(argv: string[]): Promise<number> {
  return runCommand(
    'backup',
    argv,
    {
      usage: 'backup [[user@]host[:port]] --out FILE [--passphrase-file FILE]',
      options: {
        out: { type: 'string', short: 'o' },
        'passphrase-file': { type: 'string' },
        'data-dir': { type: 'string' },
      },
      help: BACKUP_HELP,
    },
    async ({ values, positionals, output, interactive }) => {
      if (positionals.length > 1) throw new UsageError('expected at most one host');
      if (typeof values.out !== 'string') throw new UsageError('--out FILE is required');
      const passphrase =
        typeof values['passphrase-file'] === 'string'
          ? await readPassphraseFile(expandHome(values['passphrase-file']))
          : undefined;
      const r = await withInterrupt((signal) =>
        backup({
          ...(positionals[0] ? { target: targetFrom(positionals[0], values, interactive) } : {}),
          env: localEnv(values),
          out: expandHome(values.out as string),
          ...(passphrase ? { passphrase } : {}),
          onProgress: output.listener,
          signal,
        }),
      );
      output.result(
        { ...r },
        `Backed up ${r.host === 'local' ? 'the local agent' : r.host} to ${r.file}: ${formatBytes(r.bytes)}${r.encrypted ? ', encrypted' : ''}, in ${formatMs(r.durationMs)}.`,
      );
      return 0;
    },
  );
}

/** The environment that says where the local agent's data is, with --data-dir applied. */
export function localEnv(values: Record<string, unknown>): NodeJS.ProcessEnv {
  return typeof values['data-dir'] === 'string'
    ? { ...process.env, MONO_DATA_DIR: expandHome(values['data-dir']) }
    : process.env;
}
