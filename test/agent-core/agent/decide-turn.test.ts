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
  ownerAnswering: false,
  hasOwner: true,
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
  ['paused: the message waits', text('hi'), { ...guest, paused: true }, 'hold'],
  ['paused wins over the budget', text('hi'), { ...owner, paused: true, budget: over }, 'hold'],
  ['over budget', text('hi'), { ...owner, budget: over }, 'over-budget'],
  ['a guest over budget', text('hi'), { ...guest, budget: over }, 'over-budget'],
  // Nobody owns the agent: everyone hears it is not set up; nobody gets a pairing code or Claude.
  ['nobody owns the agent', text('hi'), { ...guest, hasOwner: false }, 'unclaimed'],
  ['nobody owns it: a stranger', text('hi'), { ...guest, allowed: false, hasOwner: false }, 'unclaimed'],
  ['nobody owns it: /status', text('/status'), { ...guest, hasOwner: false }, 'unclaimed'],
  // A claim code is answered by MONO itself, before anything else but a missing channel.
  [
    'a claim code from a stranger',
    text('MONO-ABCDE-FGHJK'),
    { ...guest, allowed: false, claim: 'claimed' },
    'claim',
  ],
  ['a claim code with nobody owning it', text('x'), { ...guest, hasOwner: false, claim: 'claimed' }, 'claim'],
  ['a used claim code', text('x'), { ...guest, claim: 'used' }, 'claim'],
  [
    'a claim code while paused and over budget',
    text('x'),
    { ...guest, claim: 'expired', paused: true, budget: over },
    'claim',
  ],
  [
    'a claim code on a missing channel',
    text('x'),
    { ...guest, channelConfigured: false, claim: 'claimed' },
    'channel-missing',
  ],
  // An owner from the datastore needs no contact approval.
  ['an owner who is no approved contact', text('hi'), { ...owner, allowed: false }, 'answer'],
  // The desktop's chat is the owner's by construction: it works before anyone claimed the agent.
  ['the desktop chat while nobody claimed the agent', text('hi'), { ...owner, hasOwner: false }, 'answer'],
  // The owner stepped into the conversation: MONO stays out of it, whoever writes and whatever MONO's state.
  ['a guest while the owner answers', text('hi'), { ...guest, ownerAnswering: true }, 'owner-answering'],
  [
    'a stranger while the owner answers gets no pairing code',
    text('hi'),
    { ...guest, allowed: false, ownerAnswering: true },
    'owner-answering',
  ],
  [
    'the owner answering wins over paused and over budget',
    text('hi'),
    { ...guest, ownerAnswering: true, paused: true, budget: over },
    'owner-answering',
  ],
  [
    'the owner answering wins over nobody owning the agent',
    text('hi'),
    { ...guest, ownerAnswering: true, hasOwner: false },
    'owner-answering',
  ],
  ['a photo while the owner answers', photo, { ...guest, ownerAnswering: true }, 'owner-answering'],
  [
    "a claim code while the owner answers is still MONO's",
    text('x'),
    { ...guest, ownerAnswering: true, claim: 'claimed' },
    'claim',
  ],
  [
    'a missing channel wins over the owner answering',
    text('hi'),
    { ...guest, ownerAnswering: true, channelConfigured: false },
    'channel-missing',
  ],
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
