// The decision ladder of a turn, row by row: each rung wins over the ones below it, and nobody but the owner
// reaches a command.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decideTurn, type TurnFacts, type TurnMessage } from '../../../agent-core/agent/decide-turn.ts';
import type { BudgetState } from '../../../agent-core/budget/budget.ts';

const over: BudgetState = {
  over: true,
  period: 'day',
  key: 'day:2026-11-25',
  spent: 5.2,
  cap: 5,
  resumesAt: new Date('2026-11-26T00:00:00Z'),
};

const owner: TurnFacts = {
  channelConfigured: true,
  allowed: true,
  isOwner: true,
  claudeConfigured: true,
  paused: false,
  budget: { over: false },
};
const guest: TurnFacts = { ...owner, isOwner: false };
const text = (t: string): TurnMessage => ({ text: t, readable: true });
const photo: TurnMessage = { text: '[photo]', readable: false };

const rows: [string, TurnMessage, TurnFacts, string][] = [
  ['an ordinary owner message', text('hi'), owner, 'answer'],
  ['an ordinary guest message', text('hi'), guest, 'answer'],
  ['the channel is gone', text('hi'), { ...owner, channelConfigured: false }, 'channel-missing'],
  ['a stranger', text('hi'), { ...guest, allowed: false }, 'pair'],
  ['a stranger sending a command', text('/status'), { ...guest, allowed: false }, 'pair'],
  ['a stranger sending a photo', photo, { ...guest, allowed: false }, 'pair'],
  [
    'a stranger while paused and over budget',
    text('hi'),
    { ...guest, allowed: false, paused: true, budget: over },
    'pair',
  ],
  ['a photo from the owner', photo, owner, 'unreadable'],
  ['an owner command', text('/status'), owner, 'command'],
  ['an owner command with the bot name', text('/budget@mono_bot day 5'), owner, 'command'],
  ['an unknown slash word goes to Claude', text('/weather'), owner, 'answer'],
  ['a guest sending a command', text('/pause'), guest, 'answer'],
  ['an owner command while paused', text('/resume'), { ...owner, paused: true }, 'command'],
  ['an owner command over budget', text('/budget day 10'), { ...owner, budget: over }, 'command'],
  ['an owner command without Claude', text('/status'), { ...owner, claudeConfigured: false }, 'command'],
  ['no Claude key', text('hi'), { ...owner, claudeConfigured: false }, 'no-claude'],
  [
    'no Claude key wins over paused',
    text('hi'),
    { ...owner, claudeConfigured: false, paused: true },
    'no-claude',
  ],
  ['paused', text('hi'), { ...guest, paused: true }, 'paused'],
  ['paused wins over the budget', text('hi'), { ...owner, paused: true, budget: over }, 'paused'],
  ['over budget', text('hi'), { ...owner, budget: over }, 'over-budget'],
  ['a guest over budget', text('hi'), { ...guest, budget: over }, 'over-budget'],
];

for (const [name, message, facts, expected] of rows) {
  test(`${name} → ${expected}`, () => {
    assert.equal(decideTurn(message, facts).kind, expected);
  });
}

test('a command carries its parsed arguments; over budget carries the state to report', () => {
  assert.deepEqual(decideTurn(text('/budget day 5'), owner), {
    kind: 'command',
    command: { name: 'budget', args: ['day', '5'] },
  });
  assert.deepEqual(decideTurn(text('hi'), { ...owner, budget: over }), { kind: 'over-budget', state: over });
});
