// `mono owner [list] | claim [--replace] | remove CHANNEL:ID`: who owns the local agent, and how to become its
// owner from a terminal — a one-time code sent to the bot from the account that should own it (the contract is in
// agent-core/contract/owners.ts; the desktop does the same from its screens).
import { parseArgs } from 'node:util';
import type { Allowlist } from '../../../agent-core/config/values.ts';
import type { ChannelName } from '../../../agent-core/contract/tables.ts';
import { printable } from '../../../agent-core/log/printable.ts';
import { listOwnerRows, removeOwner, storeOwnerClaim } from '../../../agent-core/store/owners.ts';
import { CliError, withLocalAgent } from './local-agent.ts';

const USAGE =
  'Usage: mono owner [list] | mono owner claim [--replace] | mono owner remove CHANNEL:ID  [--data-dir DIR]';

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { 'data-dir': { type: 'string' }, replace: { type: 'boolean' } },
  });
  const [action = 'list', target] = positionals;
  if (!['list', 'claim', 'remove'].includes(action) || (action === 'remove' && !target)) {
    console.error(USAGE);
    return 2;
  }
  return withLocalAgent(values['data-dir'], async ({ db }, config) => {
    if (action === 'claim') {
      const { code, expiresAt } = await storeOwnerClaim(db, { mode: values.replace ? 'replace' : 'add' });
      console.log(
        [
          `Send this code to your agent from the account that should own it (on Telegram: /start ${code}):`,
          '',
          `  ${code}`,
          '',
          `It works once, until ${expiresAt.toLocaleTimeString()}.${values.replace ? ' Whoever sends it becomes the only owner (owners set in the environment stay).' : ''}`,
        ].join('\n'),
      );
      return 0;
    }
    if (action === 'remove') {
      const match = /^(telegram|whatsapp|email):(.+)$/.exec(target!);
      if (!match) throw new CliError('Give the account as CHANNEL:ID, e.g. telegram:123456789.', 2);
      if (!(await removeOwner(db, match[1] as ChannelName, match[2]!)))
        throw new CliError(`${target} is not an owner account of this agent ("mono owner" lists them).`, 1);
      console.log(`${target} is no longer an owner.`);
      return 0;
    }
    const lines: string[] = [];
    const fromEnv: [string, Allowlist | undefined][] = [
      ['telegram', config.telegram?.allow],
      ['whatsapp', config.whatsapp?.allow ?? config.whatsappLinked?.allow],
    ];
    for (const [channel, allow] of fromEnv)
      if (allow && !allow.everyone)
        for (const id of allow.ids) lines.push(`${channel}:${id}  (MONO_ALLOW_${channel.toUpperCase()})`);
    const [setting] = await db
      .query<[unknown]>('RETURN (SELECT VALUE value FROM ONLY setting:owner_chat)')
      .collect();
    if (typeof setting === 'string') lines.push(`${setting}  (owner_chat setting)`);
    else if (config.features.ownerChat) lines.push(`${config.features.ownerChat}  (MONO_OWNER_CHAT)`);
    for (const row of await listOwnerRows(db))
      lines.push(
        `${row.channel}:${printable(row.external_id, 60)}  ${printable(row.name, 60)} (${row.added_by})`,
      );
    console.log(
      lines.length > 0
        ? lines.join('\n')
        : 'Nobody owns this agent yet: it answers everyone that it is not set up. Run "mono owner claim".',
    );
    return 0;
  });
}
