// Reservations against the cap, raced as a burst of turns, jobs and hook events would race them: every call
// reserves its worst case first and settles to its real cost, so the spending never passes the cap by more than a
// call's real cost above its reservation — and calls keep going while they fit.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Caps, Spending } from '../../../agent-core/budget/budget.ts';
import { BudgetExceededError, SpendLedger } from '../../../agent-core/budget/ledger.ts';

const NOW = new Date('2026-11-25T12:00:00Z');
const tick = () => new Promise((resolve) => setImmediate(resolve));

function ledger(caps: Caps, stored: Spending = { day: 0, month: 0 }, now = () => NOW) {
  let loads = 0;
  const spendLedger = new SpendLedger({
    load: async () => {
      loads += 1;
      await tick();
      return { ...stored };
    },
    caps: () => caps,
    now,
  });
  return { spendLedger, loads: () => loads };
}

/** One call: reserve, "run" for a few ticks, settle at its real cost; true when it went out. */
async function call(spendLedger: SpendLedger, worst: number, real: number, ticks: number): Promise<boolean> {
  try {
    const reservation = await spendLedger.reserve(worst);
    for (let i = 0; i < ticks; i++) await tick();
    reservation.settle(real);
    return true;
  } catch (error) {
    if (error instanceof BudgetExceededError) return false;
    throw error;
  }
}

test('100 calls racing a $1 cap stop at it: spent never passes the cap, and calls go on while they fit', async () => {
  const { spendLedger } = ledger({ dayUsd: 1 });
  const worst = 0.07;
  // Real costs from $0.01 to $0.05, a deterministic spread; durations differ so calls overlap and settle out of order.
  const calls = Array.from({ length: 100 }, (_, i) =>
    call(spendLedger, worst, 0.01 + (i % 5) * 0.01, 1 + (i % 7)),
  );
  const made = (await Promise.all(calls)).filter(Boolean).length;
  const { day } = await spendLedger.spent();
  assert.ok(day <= 1, `spent ${day} of a $1 cap`);
  // Everything that fit went out: the room left is less than one worst case.
  assert.ok(1 - day < worst, `stopped early: spent ${day}`);
  assert.ok(made > 14, `more calls than the cap holds worst cases (${made}): settling frees room`);
  assert.equal(spendLedger.reserved, 0);
  const state = await spendLedger.reserve(worst).then(
    () => undefined,
    (error: BudgetExceededError) => error.state,
  );
  assert.equal(state?.period, 'day');
  assert.equal(state?.cap, 1);
  assert.equal(state?.spent, day, 'the notice reports what was spent, not the reservation');
});

test('a call that costs more than it reserved overshoots by that difference at most', async () => {
  const { spendLedger } = ledger({ dayUsd: 1 });
  // Each reserves 0.07 but really costs 0.09 (the estimate was short).
  const results = await Promise.all(Array.from({ length: 50 }, () => call(spendLedger, 0.07, 0.09, 2)));
  const { day } = await spendLedger.spent();
  assert.ok(day > 1 - 0.07, 'it went on to the cap');
  assert.ok(day <= 1 + (0.09 - 0.07) * results.filter(Boolean).length, `spent ${day}`);
  // Without reservations all 50 would have gone out at once: $4.50.
  assert.ok(day < 1.5, `spent ${day}`);
});

test('over the cap nothing goes out; the month cap counts too; settling twice counts once', async () => {
  const over = ledger({ dayUsd: 5 }, { day: 5.01, month: 5.01 });
  await assert.rejects(over.spendLedger.reserve(0.01), (error: BudgetExceededError) => {
    assert.equal(error.state.period, 'day');
    assert.equal(error.state.spent, 5.01);
    return true;
  });
  const month = ledger({ monthUsd: 10 }, { day: 0, month: 9.95 });
  await assert.rejects(
    month.spendLedger.reserve(0.07),
    (error: BudgetExceededError) => error.state.period === 'month',
  );
  const fits = await month.spendLedger.reserve(0.04);
  fits.settle(0.03);
  fits.settle(0.03);
  assert.ok(Math.abs((await month.spendLedger.spent()).month - 9.98) < 1e-9);
});

test('a call that does not fit waits for calls in flight to settle, and goes out when they free room', async () => {
  const { spendLedger } = ledger({ dayUsd: 0.1 });
  const first = await spendLedger.reserve(0.07);
  let second = false;
  const waiting = spendLedger.reserve(0.07).then((reservation) => {
    second = true;
    return reservation;
  });
  await tick();
  await tick();
  assert.equal(second, false, 'no room while the first holds its worst case');
  first.settle(0.01);
  (await waiting).settle(0.02);
  assert.equal(second, true);
  assert.ok(Math.abs((await spendLedger.spent()).day - 0.03) < 1e-9);
});

test('no cap: calls are never refused; the stored spending is read once a day', async () => {
  let now = NOW;
  const { spendLedger, loads } = ledger({}, { day: 100, month: 100 }, () => now);
  await Promise.all(Array.from({ length: 20 }, () => call(spendLedger, 1, 1, 1)));
  assert.equal(loads(), 1, 'concurrent first calls share one read');
  now = new Date('2026-11-26T00:00:01Z');
  await call(spendLedger, 1, 1, 1);
  assert.equal(loads(), 2, 'a new UTC day starts from the datastore');
});

test('a waiting call gives up when its turn is cancelled', async () => {
  const { spendLedger } = ledger({ dayUsd: 0.1 });
  const held = await spendLedger.reserve(0.07);
  const stop = new AbortController();
  const waiting = spendLedger.reserve(0.07, stop.signal);
  stop.abort(new Error('shutting down'));
  await assert.rejects(waiting, /shutting down/);
  held.settle(0);
  assert.equal(spendLedger.reserved, 0);
});

test('spending without a reservation (transcription minutes) counts against the cap from the next call on', async () => {
  const { spendLedger } = ledger({ dayUsd: 1 }, { day: 0.2, month: 0.2 });
  assert.ok(await call(spendLedger, 0.1, 0.05, 1));
  spendLedger.add(0.8);
  assert.deepEqual(await spendLedger.spent(), { day: 1.05, month: 1.05 });
  const refused = await spendLedger.reserve(0.01).catch((error: BudgetExceededError) => error.state);
  assert.ok(refused && 'period' in refused && refused.period === 'day', 'the next call is refused');
  // Nonsense adds nothing (a failed price, a negative figure).
  spendLedger.add(Number.NaN);
  spendLedger.add(-3);
  assert.deepEqual(await spendLedger.spent(), { day: 1.05, month: 1.05 });
});
