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
  assert.match(scheduleProblem({ ...base, intervalS: 6e13 })!, /at most a year \(525600 minutes\)/);
  assert.equal(scheduleProblem({ ...base, intervalS: 365 * 86_400 }), undefined, 'a yearly reminder');
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

test("a wall time the clocks skip or repeat is read as Temporal's 'compatible' does, in every zone", () => {
  // Expected instants worked out by hand from the zones' rules and checked against glibc's tzdata
  // (TZ=<zone> date -d @<epoch>): a gap is read with the offset from before it (02:30 → 03:30 new time), an
  // overlap gives its earlier instant (still summer time).
  const cases: [zone: string, wall: string, instant: string, what: string][] = [
    // America/New_York: EST −5 → EDT −4 at 02:00 on 8 March 2026; back at 02:00 EDT on 1 November.
    ['America/New_York', '2026-03-08T01:59', '2026-03-08T06:59:00Z', 'last minute before the gap (EST)'],
    ['America/New_York', '2026-03-08T02:30', '2026-03-08T07:30:00Z', 'gap → 03:30 EDT'],
    ['America/New_York', '2026-03-08T03:30', '2026-03-08T07:30:00Z', 'after the gap (EDT)'],
    ['America/New_York', '2026-11-01T01:30', '2026-11-01T05:30:00Z', 'overlap → 01:30 EDT, not EST'],
    ['America/New_York', '2026-11-01T02:00', '2026-11-01T07:00:00Z', 'after the overlap (EST)'],
    ['America/Chicago', '2026-03-08T02:30', '2026-03-08T08:30:00Z', 'gap → 03:30 CDT'],
    // America/Los_Angeles: PST −8 → PDT −7, same dates.
    ['America/Los_Angeles', '2026-03-08T02:30', '2026-03-08T10:30:00Z', 'gap → 03:30 PDT'],
    ['America/Los_Angeles', '2026-11-01T01:30', '2026-11-01T08:30:00Z', 'overlap → 01:30 PDT, not PST'],
    ['America/Los_Angeles', '2026-07-04T09:00', '2026-07-04T16:00:00Z', 'summer (PDT)'],
    // Europe/Berlin: CET +1 → CEST +2 at 02:00 on 29 March 2026; back at 03:00 CEST on 25 October.
    ['Europe/Berlin', '2026-03-29T02:00', '2026-03-29T01:00:00Z', 'start of the gap → 03:00 CEST'],
    ['Europe/Berlin', '2026-03-29T02:30', '2026-03-29T01:30:00Z', 'gap → 03:30 CEST'],
    ['Europe/Berlin', '2026-03-29T03:00', '2026-03-29T01:00:00Z', 'after the gap (CEST)'],
    ['Europe/Berlin', '2026-10-25T02:30', '2026-10-25T00:30:00Z', 'overlap → 02:30 CEST, not CET'],
    ['Europe/Berlin', '2026-10-25T03:00', '2026-10-25T02:00:00Z', 'after the overlap (CET)'],
    // Australia/Sydney: AEST +10 → AEDT +11 at 02:00 on 4 October 2026; back at 03:00 AEDT on 5 April.
    ['Australia/Sydney', '2026-10-04T02:30', '2026-10-03T16:30:00Z', 'gap → 03:30 AEDT'],
    ['Australia/Sydney', '2026-04-05T02:30', '2026-04-04T15:30:00Z', 'overlap → 02:30 AEDT, not AEST'],
    ['Australia/Sydney', '2026-01-15T09:00', '2026-01-14T22:00:00Z', 'summer (AEDT)'],
    ['Australia/Sydney', '2026-07-15T09:00', '2026-07-14T23:00:00Z', 'winter (AEST)'],
    // Australia/Lord_Howe: +10:30 → +11 at 02:00 on 4 October 2026 (a 30-minute gap); back at 02:00 on 5 April.
    ['Australia/Lord_Howe', '2026-10-04T02:15', '2026-10-03T15:45:00Z', 'gap → 02:45 (+11)'],
    ['Australia/Lord_Howe', '2026-04-05T01:45', '2026-04-04T14:45:00Z', 'overlap → 01:45 (+11), not +10:30'],
    // Asia/Kolkata: +5:30 all year.
    ['Asia/Kolkata', '2026-03-29T02:30', '2026-03-28T21:00:00Z', 'no daylight saving'],
  ];
  for (const [zone, wall, instant, what] of cases) {
    assert.deepEqual(localToInstant(wall, zone), at(instant), `${wall} in ${zone} (${what})`);
  }
});
