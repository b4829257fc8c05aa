// `mono pairing list|approve CODE|deny CODE`: answer people who asked to talk to your agent (local agent,
// through its db hub; the same data directory and MONO_HUB_* settings as the agent — by default the agent the
// desktop runs on this computer).
import { parseArgs } from 'node:util';
import { printable } from '../../../agent-core/log/printable.ts';
import { decidePairing, listPairings, PairingNotFoundError } from '../../../agent-core/pairing/pairing.ts';
import { CliError, withLocalAgent } from './local-agent.ts';

const USAGE =
  'Usage: mono pairing list | mono pairing approve CODE | mono pairing deny CODE  [--data-dir DIR]';

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { 'data-dir': { type: 'string' }, all: { type: 'boolean' } },
  });
  const [action, code] = positionals;
  if (!action || !['list', 'approve', 'deny'].includes(action) || (action !== 'list' && !code)) {
    console.error(USAGE);
    return 2;
  }
  return withLocalAgent(values['data-dir'], async ({ db }) => {
    if (action === 'list') {
      const pairings = await listPairings(db, values.all ? undefined : 'pending');
      if (pairings.length === 0)
        console.log(values.all ? 'No pairing requests yet.' : 'No pending pairing requests.');
      // Names are the strangers' own: printed without anything that could act on the terminal.
      for (const p of pairings)
        console.log(
          `${p.code}  ${p.status.padEnd(8)}  ${p.channel.padEnd(8)}  ${printable(p.name, 60)} (${printable(p.external_id, 60)})`,
        );
      return 0;
    }
    let decided: Awaited<ReturnType<typeof decidePairing>>;
    try {
      decided = await decidePairing(db, code!, action === 'approve' ? 'approved' : 'denied');
    } catch (error) {
      if (error instanceof PairingNotFoundError) throw new CliError(error.message, 1);
      throw error;
    }
    const name = printable(decided.name, 60);
    console.log(
      action === 'approve'
        ? `Approved ${name} on ${decided.channel}: they can talk to your agent now (they will be told).`
        : `Denied ${name} on ${decided.channel}: the agent will ignore them.`,
    );
    return 0;
  });
}
