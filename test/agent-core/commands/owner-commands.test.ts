// /budget day|month <usd> against a real engine with MONO's schema: plain dollar amounts set the cap (exactly
// what the reply shows), anything else — hex, exponents, amounts no reply can show or the datastore cannot
// hold, past the ceiling — is answered with the accepted form and leaves the cap as it was.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Settings } from '../../../agent-core/agent/settings.ts';
import { BudgetGuard } from '../../../agent-core/budget/guard.ts';
import { OwnerCommands, parseCommand } from '../../../agent-core/commands/owner-commands.ts';
import { DAILY_CAP_SETTING, MONTHLY_CAP_SETTING } from '../../../agent-core/contract/budget-caps.ts';
import { silentLogger } from '../../../agent-core/log/logger.ts';
import type { ToolContext } from '../../../agent-core/tools/tool.ts';
import { datastoreWithSchema } from '../../helpers/schema-datastore.ts';

const datastore = datastoreWithSchema();

function commands(): { run(text: string): Promise<string>; settings: Settings } {
  const { db } = datastore;
  const settings = new Settings(db, silentLogger);
  const owner = new OwnerCommands({
    db,
    settings,
    budget: new BudgetGuard(db, settings),
    pause: { paused: async () => false, set: async () => {} } as never,
    held: { release: async () => 0 },
    version: 'test',
    startedAt: Date.now(),
    channels: () => ({}),
    tools: () => [],
    timezone: () => 'UTC',
  });
  return {
    settings,
    run: (text) => owner.run(parseCommand(text)!, { db } as ToolContext),
  };
}

const REFUSED =
  /^Give the cap in US dollars and cents, up to \$1,000,000, e\.g\. \/budget (day 5 or \/budget day 2\.50, or \/budget day off|month 50 or \/budget month 50\.50, or \/budget month off)\.$/;

// [what the owner sends after "/budget day", the cap it sets (undefined: refused), what the reply shows]
const AMOUNTS: [string, number | undefined, string?][] = [
  ['5', 5, '$5.00'],
  ['$5', 5, '$5.00'],
  ['12.5', 12.5, '$12.50'],
  ['50.50', 50.5, '$50.50'],
  ['.5', 0.5, '$0.50'],
  ['0.01', 0.01, '$0.01'],
  ['0.0100', 0.01, '$0.01'],
  // Below a cent the reply shows four decimals, so a cap may have them.
  ['0.005', 0.005, '$0.0050'],
  ['0.0001', 0.0001, '$0.0001'],
  ['007', 7, '$7.00'],
  ['1000000', 1_000_000, '$1000000.00'],
  ['1000000.00', 1_000_000, '$1000000.00'],
  // Hostile or mistyped: none of these may set anything, or throw.
  ['1e16', undefined],
  ['12345678901234567890', undefined],
  ['1e300', undefined],
  ['1e-300', undefined],
  ['0.000001', undefined],
  ['0x10', undefined],
  ['0b101', undefined],
  ['0o17', undefined],
  ['1e3', undefined],
  ['5e0', undefined],
  ['1_000', undefined],
  ['1,000', undefined],
  ['1000000.01', undefined],
  ['2000000', undefined],
  ['Infinity', undefined],
  ['NaN', undefined],
  ['-5', undefined],
  ['+5', undefined],
  ['0.00', undefined],
  ['5.', undefined],
  ['.', undefined],
  ['$', undefined],
  ['5.555', undefined],
  ['1.2345', undefined],
  ['0.00001', undefined],
  ['0.00000', undefined],
  ['5$', undefined],
  ['$$5', undefined],
  ['٥', undefined],
  ['５', undefined],
  ['abc', undefined],
];

test('/budget day <usd>: plain dollar amounts set the cap, anything else is refused with the accepted form', async () => {
  const { run, settings } = commands();
  const failures: string[] = [];
  for (const [amount, cap, shown] of AMOUNTS) {
    await settings.set(DAILY_CAP_SETTING, 7);
    let reply: string;
    try {
      reply = await run(`/budget day ${amount}`);
    } catch (error) {
      failures.push(`${amount}: threw ${String(error).split('\n')[0]}`);
      continue;
    }
    const stored = settings.get(DAILY_CAP_SETTING);
    if (cap === undefined) {
      if (stored !== 7) failures.push(`${amount}: set the cap to ${String(stored)}`);
      if (!REFUSED.test(reply)) failures.push(`${amount}: answered ${JSON.stringify(reply)}`);
    } else {
      if (stored !== cap) failures.push(`${amount}: set the cap to ${String(stored)}, not ${cap}`);
      if (!reply.startsWith(`Today: $0.00 of ${shown}\n`))
        failures.push(`${amount}: answered ${JSON.stringify(reply)}`);
    }
  }
  assert.deepEqual(failures, []);
});

test('/budget month takes the same amounts; off and 0 remove a cap; a missing amount is explained', async () => {
  const { run, settings } = commands();
  assert.match(await run('/budget month 50.50'), /^Today: .*\nThis month: \$0\.00 of \$50\.50\n/);
  assert.equal(settings.get(MONTHLY_CAP_SETTING), 50.5);
  assert.match(await run('/budget month 0x10'), REFUSED);
  assert.match(await run('/budget month 1e16'), REFUSED);
  assert.equal(settings.get(MONTHLY_CAP_SETTING), 50.5);
  assert.equal(await run('/budget month off'), 'The monthly cap is off.');
  assert.equal(settings.get(MONTHLY_CAP_SETTING), null);
  await settings.set(DAILY_CAP_SETTING, 3);
  assert.equal(await run('/budget day 0'), 'The daily cap is off.');
  assert.equal(settings.get(DAILY_CAP_SETTING), null);
  assert.match(await run('/budget day'), REFUSED);
  assert.equal(
    await run('/budget week 5'),
    'Use /budget, /budget day <usd>, /budget month <usd>, or /budget day off.',
  );
  assert.match(
    await run('/budget'),
    /^Today: \$0\.00 of no cap\nThis month: \$0\.00 of no cap\nWithin budget\.$/,
  );
});
