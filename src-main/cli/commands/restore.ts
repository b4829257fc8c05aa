// `mono restore [HOST] FILE`: checks a backup, then puts it into the agent (refusing to replace data without
// --replace), health-checks the agent and counts what it holds.
import { describeCounts } from '../../../agent-core/backup/errors.ts';
import { readPassphraseFile } from '../../backup/file.ts';
import { restore } from '../../backup/restore.ts';
import { runCommand } from '../../provision/terminal/command.ts';
import { expandHome, seconds, targetFrom, UsageError } from '../../provision/terminal/options.ts';
import { formatMs } from '../../provision/terminal/render.ts';
import { localEnv } from './backup.ts';

export const RESTORE_HELP = `Checks FILE (format, version, integrity, passphrase) and shows what it holds, then restores it into the
agent: on a VPS the agent is stopped, the backup restored by the agent's own release, the agent started and
health-checked. Older schemas are migrated. Without HOST, the agent on this computer: it must be stopped,
and stays stopped (the restored data is opened and counted; start the agent again with "mono agent").
  --replace                  replace the data the agent holds now (kept beside it until the next restore)
  --passphrase-file FILE     the passphrase of an encrypted backup (first line of FILE)
  --data-dir DIR             the local agent's data directory (default $MONO_DATA_DIR or ~/.mono/agent)
  --health-timeout SECONDS   how long the agent may take to report healthy afterwards (default 30)`;

export async function run(argv: string[]): Promise<number> {
  return runCommand(
    'restore',
    argv,
    {
      usage: 'restore [[user@]host[:port]] FILE [--replace] [--passphrase-file FILE]',
      options: {
        replace: { type: 'boolean' },
        'passphrase-file': { type: 'string' },
        'data-dir': { type: 'string' },
        'health-timeout': { type: 'string' },
      },
      help: RESTORE_HELP,
    },
    async ({ values, positionals, output, interactive }) => {
      if (positionals.length < 1 || positionals.length > 2)
        throw new UsageError('expected the backup FILE, after the host for a VPS');
      const file = expandHome(positionals.at(-1)!);
      const host = positionals.length === 2 ? positionals[0]! : undefined;
      const passphrase =
        typeof values['passphrase-file'] === 'string'
          ? await readPassphraseFile(expandHome(values['passphrase-file']))
          : undefined;
      const r = await restore({
        ...(host ? { target: targetFrom(host, values, interactive) } : {}),
        env: localEnv(values),
        file,
        replace: values.replace === true,
        ...(passphrase ? { passphrase } : {}),
        lockTimeoutMs: seconds(values['lock-timeout'], 'lock-timeout'),
        healthTimeoutMs: seconds(values['health-timeout'], 'health-timeout'),
        onProgress: output.listener,
      });
      output.result(
        { ...r },
        `Restored the backup of ${r.backup.created_at} into ${r.host === 'local' ? 'the local agent' : r.host} in ${formatMs(r.durationMs)}: it holds ${describeCounts(r.counts)}.${r.replaced ? `\nThe data it replaced is kept in ${r.replaced} until the next successful restore.` : ''}${r.host === 'local' ? '\nThe agent is stopped: start it again ("mono agent", or MONO\'s desktop app).' : ''}`,
      );
      return 0;
    },
  );
}
