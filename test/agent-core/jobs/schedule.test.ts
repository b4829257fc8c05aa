// Schedule math: next slots, catch-up once, late one-offs, local times across DST, unusable schedules.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatLocal, localToInstant } from '../../../agent-core/jobs/local-time.ts';
import { dueSlot, nextSlot, type Schedule, scheduleProblem } from '../../../agent-core/jobs/schedule.ts';

const at = (iso: string) => new Date(iso);
const LATE = 120_000;

test('a weekly cron in a time zone: next slot, and nothing due before it', () => {
  const weekly: Schedule = {
    cron: '0 8 * * 1',
    timezone: 'Europe/Berlin',
    createdAt: at('2026-11-20T00:00:00Z'),
  };
  // Monday 2026-11-23 08:00 Berlin = 07:00 UTC (CET, +1).
  assert.deepEqual(nextSlot(weekly, at('2026-11-20T00:00:00Z')), at('2026-11-23T07:00:00Z'));
  assert.equal(dueSlot(weekly, undefined, at('2026-11-23T06:59:00Z'), LATE), undefined);
  const due = dueSlot(weekly, undefined, at('2026-11-23T07:00:30Z'), LATE);
  assert.deepEqual(due?.slot, at('2026-11-23T07:00:00Z'));
  assert.equal(due?.late, false);
  assert.deepEqual(due?.next, at('2026-11-30T07:00:00Z'));
});

test('a recurring job down for three weeks catches up once: the latest slot, marked late', () => {
  const weekly: Schedule = {
    cron: '0 8 * * 1',
    timezone: 'Europe/Berlin',
    createdAt: at('2026-11-01T00:00:00Z'),
  };
  const last = at('2026-11-02T07:00:00Z');
  const due = dueSlot(weekly, last, at('2026-11-25T12:00:00Z'), LATE);
  assert.deepEqual(due?.slot, at('2026-11-23T07:00:00Z'));
  assert.equal(due?.late, true);
  assert.deepEqual(due?.next, at('2026-11-30T07:00:00Z'));
  // After that run (last_slot = the latest slot) nothing else is due until next week.
  assert.equal(dueSlot(weekly, due!.slot, at('2026-11-25T12:00:01Z'), LATE), undefined);
});

test('a brand-new recurring job does not fire for slots before it existed', () => {
  const daily: Schedule = { cron: '0 9 * * *', timezone: 'UTC', createdAt: at('2026-11-25T10:00:00Z') };
  assert.equal(dueSlot(daily, undefined, at('2026-11-25T10:00:05Z'), LATE), undefined);
  assert.deepEqual(nextSlot(daily, at('2026-11-25T10:00:05Z')), at('2026-11-26T09:00:00Z'));
});

test('a one-off fires once; in the past it is late; after it ran nothing is due', () => {
  const once: Schedule = {
    runAt: at('2026-11-25T09:00:00Z'),
    timezone: 'UTC',
    createdAt: at('2026-11-24T00:00:00Z'),
  };
  assert.equal(dueSlot(once, undefined, at('2026-11-25T08:59:59Z'), LATE), undefined);
  const onTime = dueSlot(once, undefined, at('2026-11-25T09:00:10Z'), LATE);
  assert.equal(onTime?.late, false);
  assert.equal(onTime?.next, undefined);
  const late = dueSlot(once, undefined, at('2026-11-25T15:00:00Z'), LATE);
  assert.deepEqual(late?.slot, at('2026-11-25T09:00:00Z'));
  assert.equal(late?.late, true);
  assert.equal(dueSlot(once, at('2026-11-25T09:00:00Z'), at('2026-11-25T15:00:00Z'), LATE), undefined);
  assert.equal(nextSlot(once, at('2026-11-25T09:00:00Z')), undefined);
});

test('intervals count from creation; missed intervals fire once', () => {
  const hourly: Schedule = { intervalS: 3600, timezone: 'UTC', createdAt: at('2026-11-25T00:00:00Z') };
  assert.deepEqual(nextSlot(hourly, at('2026-11-25T00:00:00Z')), at('2026-11-25T01:00:00Z'));
  assert.deepEqual(nextSlot(hourly, at('2026-11-25T01:30:00Z')), at('2026-11-25T02:00:00Z'));
  const due = dueSlot(hourly, at('2026-11-25T01:00:00Z'), at('2026-11-25T05:10:00Z'), LATE);
  assert.deepEqual(due?.slot, at('2026-11-25T05:00:00Z'));
  assert.equal(due?.late, true);
  assert.deepEqual(due?.next, at('2026-11-25T06:00:00Z'));
});

test('unusable schedules are refused with what to do', () => {
  const base = { timezone: 'UTC', createdAt: new Date() };
  assert.match(scheduleProblem({ ...base })!, /exactly one/);
  assert.match(scheduleProblem({ ...base, cron: '* * * * * *' })!, /five fields/);
  assert.match(scheduleProblem({ ...base, cron: '99 * * * *' })!, /not valid/);
  assert.match(scheduleProblem({ ...base, intervalS: 10 })!, /at least 60/);
  assert.match(scheduleProblem({ ...base, cron: '0 8 * * 1', intervalS: 3600 })!, /exactly one/);
  assert.equal(scheduleProblem({ ...base, cron: '0 8 * * 1' }), undefined);
});

test('a one-off dated before it was created is refused, saying so; one that came due while offline is not', () => {
  const createdAt = at('2026-11-25T10:00:00Z');
  assert.equal(
    scheduleProblem({ runAt: at('2020-01-01T09:00:00Z'), timezone: 'Europe/Berlin', createdAt }),
    'The one-off date 2020-01-01 10:00 (Wednesday) Europe/Berlin is in the past. Pick a later time.',
  );
  assert.match(
    scheduleProblem({ runAt: at('2026-11-25T09:57:00Z'), timezone: 'Not/AZone', createdAt })!,
    /2026-11-25T09:57:00\.000Z is in the past/,
  );
  // "Now", rounded down by a minute: still fine (it runs at once).
  assert.equal(scheduleProblem({ runAt: at('2026-11-25T09:59:00Z'), timezone: 'UTC', createdAt }), undefined);
  // Created before its date, and the agent was down when it came due: it fires late, it is not refused.
  assert.equal(scheduleProblem({ runAt: at('2026-11-25T11:00:00Z'), timezone: 'UTC', createdAt }), undefined);
});

test('local wall-clock times become instants, across daylight saving changes', () => {
  assert.deepEqual(localToInstant('2026-11-26T09:00', 'Europe/Berlin'), at('2026-11-26T08:00:00Z'));
  assert.deepEqual(localToInstant('2026-07-01T09:00:00', 'Europe/Berlin'), at('2026-07-01T07:00:00Z'));
  assert.deepEqual(localToInstant('2026-03-29T12:00', 'Europe/Berlin'), at('2026-03-29T10:00:00Z'));
  assert.deepEqual(localToInstant('2026-11-26T09:00', 'America/New_York'), at('2026-11-26T14:00:00Z'));
  assert.deepEqual(localToInstant('2026-11-26T09:00:00Z', 'Europe/Berlin'), at('2026-11-26T09:00:00Z'));
  assert.deepEqual(localToInstant('2026-11-26T09:00+05:30', 'UTC'), at('2026-11-26T03:30:00Z'));
  assert.equal(localToInstant('tomorrow at 9', 'UTC'), undefined);
  assert.equal(formatLocal(at('2026-11-26T08:00:00Z'), 'Europe/Berlin'), '2026-11-26 09:00 (Thursday)');
});
