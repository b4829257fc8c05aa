// `mono uninstall HOST [--yes]`: remove MONO (agent, data, secrets, user, unit) from a VPS.

import { requireOne, runCommand } from '../../provision/terminal/command.ts';
import { seconds, targetFrom, UsageError } from '../../provision/terminal/options.ts';
import { askYesNo } from '../../provision/terminal/prompt.ts';
import { uninstall } from '../../provision/uninstall.ts';

export async function run(argv: string[]): Promise<number> {
  return runCommand(
    'uninstall',
    argv,
    {
      usage: 'uninstall [user@]host[:port] [--yes]',
      options: { yes: { type: 'boolean', short: 'y' } },
      help: 'Stops the agent and deletes everything MONO put on the VPS, including its conversations (/var/lib/mono).\n  -y, --yes                  do not ask for confirmation',
    },
    async ({ values, positionals, output, interactive }) => {
      const spec = requireOne(positionals, 'host');
      if (values.yes !== true) {
        if (!interactive)
          throw new UsageError('uninstall deletes the agent and all its data; pass --yes to confirm');
        const ok = await askYesNo(
          `Remove MONO and ALL its data (conversations, settings, secrets) from ${spec}? [y/N] `,
        );
        if (!ok) {
          console.error('mono uninstall: nothing was changed.');
          return 1;
        }
      }
      const r = await uninstall({
        target: targetFrom(spec, values, interactive),
        lockTimeoutMs: seconds(values['lock-timeout'], 'lock-timeout'),
        onProgress: output.listener,
      });
      output.result({ ...r }, `MONO was removed from ${r.host}.`);
      return 0;
    },
  );
}
