// `mono rollback HOST`: switch the VPS back to its previous release.
import { rollback } from '../../provision/rollback.ts';
import { requireOne, runCommand } from '../../provision/terminal/command.ts';
import { seconds, targetFrom } from '../../provision/terminal/options.ts';

export async function run(argv: string[]): Promise<number> {
  return runCommand(
    'rollback',
    argv,
    {
      usage: 'rollback [user@]host[:port]',
      options: {},
      help: 'Switches back to the previous release, restarts it and checks its health.',
    },
    async ({ values, positionals, output, interactive }) => {
      const r = await rollback({
        target: targetFrom(requireOne(positionals, 'host'), values, interactive),
        lockTimeoutMs: seconds(values['lock-timeout'], 'lock-timeout'),
        onProgress: output.listener,
      });
      output.result({ ...r }, `${r.host} is back on ${r.to} (was ${r.from}).`);
      return 0;
    },
  );
}
