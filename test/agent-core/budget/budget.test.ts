// Budget periods (UTC day and month), caps from settings, and usage sums over a tool loop.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkBudget, formatUsd, parseCap } from '../../../agent-core/budget/budget.ts';
import { budgetNotice, budgetResumes } from '../../../agent-core/budget/guard.ts';
import { addUsage } from '../../../agent-core/budget/usage.ts';

const now = new Date('2026-11-25T18:30:00Z');

test('under the caps, or without caps, calls go ahead', () => {
  assert.deepEqual(checkBudget({ day: 0.5, month: 3 }, { dayUsd: 1, monthUsd: 10 }, now), { over: false });
  assert.deepEqual(checkBudget({ day: 500, month: 5000 }, {}, now), { over: false });
});

test('at the day cap: stopped until 00:00 UTC, with a key for telling the owner once that day', () => {
  const state = checkBudget({ day: 1, month: 3 }, { dayUsd: 1, monthUsd: 10 }, now);
  assert.equal(state.over, true);
  if (!state.over) return;
  assert.equal(state.period, 'day');
  assert.equal(state.key, 'day:2026-11-25');
  assert.deepEqual(state.resumesAt, new Date('2026-11-26T00:00:00Z'));
  assert.equal(
    budgetNotice(state, 'UTC', now),
    "I've reached your daily budget ($1.00 of $1.00), so I've stopped calling Claude. I'll be back tomorrow at " +
      '00:00 UTC, or right away if you raise the cap, e.g. /budget day 2.',
  );
  // The next day is a new period with a new key.
  const tomorrow = checkBudget({ day: 1, month: 4 }, { dayUsd: 1 }, new Date('2026-11-26T00:00:01Z'));
  assert.equal(tomorrow.over && tomorrow.key, 'day:2026-11-26');
});

test('the month cap wins over the day cap and resumes on the 1st', () => {
  const state = checkBudget(
    { day: 2, month: 10 },
    { dayUsd: 1, monthUsd: 10 },
    new Date('2026-12-31T23:00:00Z'),
  );
  assert.equal(state.over && state.period, 'month');
  assert.equal(state.over && state.key, 'month:2026-12');
  assert.deepEqual(state.over && state.resumesAt, new Date('2027-01-01T00:00:00Z'));
});

test('the owner is told when the budget starts over in their own time: today, tomorrow or the date', () => {
  // Local times as `TZ=<zone> date -d <instant>` prints them.
  const midDecember = new Date('2026-12-15T12:00:00Z');
  const midJune = new Date('2026-06-20T12:00:00Z');
  const cases: [Date, 'day' | 'month', string, string][] = [
    // 2026-11-25 18:30 UTC: the day resumes 2026-11-26 00:00 UTC.
    [now, 'day', 'Europe/Berlin', 'tomorrow at 01:00 your time (00:00 UTC)'],
    [now, 'day', 'America/Los_Angeles', 'today at 16:00 your time (00:00 UTC)'], // 10:30 there
    [now, 'day', 'Asia/Tokyo', 'today at 09:00 your time (00:00 UTC)'], // 03:30 on the 26th there
    [now, 'day', 'Etc/UTC', 'tomorrow at 00:00 UTC'],
    [
      midDecember,
      'month',
      'Europe/Berlin',
      'on 2027-01-01 (Friday) at 01:00 your time (00:00 UTC on the 1st)',
    ],
    [
      midDecember,
      'month',
      'America/Los_Angeles',
      'on 2026-12-31 (Thursday) at 16:00 your time (00:00 UTC on the 1st)',
    ],
    // Summer time: Berlin is two hours ahead.
    [
      midJune,
      'month',
      'Europe/Berlin',
      'on 2026-07-01 (Wednesday) at 02:00 your time (00:00 UTC on the 1st)',
    ],
  ];
  for (const [at, period, zone, expected] of cases) {
    const caps = period === 'day' ? { dayUsd: 1 } : { monthUsd: 10 };
    const state = checkBudget({ day: 1, month: 10 }, caps, at);
    assert.ok(state.over && state.period === period, `${period} cap reached`);
    assert.equal(budgetResumes(state, zone, at), expected, `${zone} at ${at.toISOString()}`);
  }
  const june = checkBudget({ day: 0, month: 10 }, { monthUsd: 10 }, midJune);
  assert.ok(june.over);
  assert.match(
    budgetNotice(june, 'Europe/Berlin', midJune),
    /I'll be back on 2026-07-01 \(Wednesday\) at 02:00/,
  );
});

test('caps from settings: positive numbers or numeric strings; anything else is no cap', () => {
  assert.equal(parseCap(5), 5);
  assert.equal(parseCap('2.5'), 2.5);
  for (const value of [0, -1, null, undefined, 'abc', Number.NaN, {}])
    assert.equal(parseCap(value), undefined);
  assert.equal(formatUsd(0.00042), '$0.0004');
  assert.equal(formatUsd(12.3), '$12.30');
});

test('the usage of several calls in one turn adds up, cache tokens included', () => {
  const call = {
    model: 'm',
    input_tokens: 10,
    output_tokens: 5,
    cache_creation_input_tokens: 100,
    cache_read_input_tokens: 0,
    cost_usd: 0.001,
  };
  const total = addUsage(addUsage(undefined, call), {
    ...call,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 100,
  });
  assert.deepEqual(
    { ...total, cost_usd: Math.round(total.cost_usd * 1e6) },
    {
      model: 'm',
      input_tokens: 20,
      output_tokens: 10,
      cache_creation_input_tokens: 100,
      cache_read_input_tokens: 100,
      cost_usd: 2000,
    },
  );
});
