// `mono logs HOST [--follow]`: the agent's journal on the VPS.
import { logs } from '../../provision/logs.ts';
import { requireOne, runCommand } from '../../provision/terminal/command.ts';
import { targetFrom, UsageError } from '../../provision/terminal/options.ts';

export async function run(argv: string[]): Promise<number> {
  return runCommand(
    'logs',
    argv,
    {
      usage: 'logs [user@]host[:port] [--follow] [--lines N]',
      options: { follow: { type: 'boolean', short: 'f' }, lines: { type: 'string', short: 'n' } },
      help: "Prints the agent's journal (systemd) from the VPS; --follow keeps streaming until Ctrl-C.",
    },
    async ({ values, positionals, json, interactive }) => {
      const lines = values.lines === undefined ? 200 : Number(values.lines);
      if (!Number.isInteger(lines) || lines < 0) throw new UsageError('--lines takes a whole number');
      const abort = new AbortController();
      const stop = () => abort.abort();
      process.once('SIGINT', stop);
      try {
        await logs({
          target: targetFrom(requireOne(positionals, 'host'), values, interactive),
          lines,
          follow: values.follow === true,
          signal: abort.signal,
          onData: (text) => process.stdout.write(json ? `${JSON.stringify({ type: 'log', text })}\n` : text),
        });
      } finally {
        process.off('SIGINT', stop);
      }
      return 0;
    },
  );
}
