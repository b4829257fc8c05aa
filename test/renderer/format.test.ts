// Formatting the UI relies on: money that never shows a misleading $0.00, round chart axes, durations.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeSchedule } from '../../src-renderer/features/jobs/schedule.ts';
import { formatLogLine } from '../../src-renderer/features/server/log-line.ts';
import { totalsByDay } from '../../src-renderer/features/usage/UsageChart.tsx';
import {
  duration,
  initials,
  niceTicks,
  sameDayHere,
  usd,
  utcMidnightHere,
} from '../../src-renderer/lib/format.ts';
import { fresher, isOlder } from '../../src-renderer/store/types.ts';

test('money: nothing, a fraction of a cent, cents, dollars', () => {
  assert.equal(usd(0), '$0');
  assert.equal(usd(0.0004), '<$0.01');
  assert.equal(usd(1.5), '$1.50');
  assert.equal(usd(250.4), '$250');
});

/** Runs `check` with this process's clock in `zone` (Node reads TZ again when it changes). */
function inZone(zone: string, check: () => void): void {
  const before = process.env.TZ;
  process.env.TZ = zone;
  try {
    check();
  } finally {
    if (before === undefined) delete process.env.TZ;
    else process.env.TZ = before;
  }
}

test('the daily budget starts over at the next 00:00 UTC, shown on this computer’s clock', () => {
  const evening = new Date('2026-11-25T18:30:00Z');
  inZone('Asia/Kolkata', () => assert.match(utcMidnightHere(evening), /^05:30\b/)); // UTC+5:30, no summer time
  inZone('America/Los_Angeles', () => assert.match(utcMidnightHere(evening), /^(04:00\sPM|16:00)$/)); // UTC−8
  inZone('UTC', () => assert.match(utcMidnightHere(new Date('2026-11-25T23:59:59Z')), /^(12:00\sAM|00:00)$/));
});

test('a thread draws a day line where the day changes on this computer’s calendar, not at 00:00 UTC', () => {
  inZone('Europe/Berlin', () => {
    // 00:30 and 01:10 on 7 December in Berlin: one day, though UTC has 6 and 7 December.
    assert.equal(sameDayHere('2026-12-06T23:30:00Z', '2026-12-07T00:10:00Z'), true);
    // 22:00 on the 6th and 00:30 on the 7th in Berlin: two days, though both are 6 December in UTC.
    assert.equal(sameDayHere('2026-12-06T21:00:00Z', '2026-12-06T23:30:00Z'), false);
  });
  inZone('America/Los_Angeles', () => {
    // 12:00 and 17:00 on 6 December in Los Angeles.
    assert.equal(sameDayHere('2026-12-06T20:00:00Z', '2026-12-07T01:00:00Z'), true);
    assert.equal(sameDayHere('2026-12-07T07:59:00Z', '2026-12-07T08:01:00Z'), false);
  });
});

test('chart axes use round steps that cover the data', () => {
  assert.deepEqual(niceTicks(2.7), { ticks: [0, 1, 2, 3], top: 3, decimals: 0 });
  const small = niceTicks(0.0011);
  assert.ok(small.top >= 0.0011 && small.decimals >= 3, JSON.stringify(small));
  assert.deepEqual(niceTicks(14).ticks, [0, 5, 10, 15]);
});

test('usage rows become one total per day, oldest first, with empty days as zero', () => {
  const today = new Date('2030-01-10T12:00:00Z');
  const row = (day: string, cost: number) => ({
    id: `usage:${day}`,
    day,
    model: 'm',
    requests: 1,
    input_tokens: 10,
    output_tokens: 5,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 2,
    cost_usd: cost,
  });
  const days = totalsByDay([row('2030-01-10', 0.5), row('2030-01-08', 0.25), row('2029-12-01', 9)], 3, today);
  assert.deepEqual(
    days.map((d) => [d.day, d.cost, d.input]),
    [
      ['2030-01-08', 0.25, 12],
      ['2030-01-09', 0, 0],
      ['2030-01-10', 0.5, 12],
    ],
  );
});

test('schedules and durations read like a person wrote them', () => {
  assert.equal(describeSchedule({ cron: '30 7 * * *' }), 'Every day at 07:30');
  assert.equal(describeSchedule({ cron: '0 9 * * 1-5' }), 'Weekdays at 09:00');
  assert.equal(describeSchedule({ cron: '*/5 * * * *' }), 'Schedule */5 * * * *');
  assert.equal(describeSchedule({ interval_s: 900 }), 'Every 15 min');
  // A job's hours are its zone's: named when this computer's clock is another one.
  const berlin = { cron: '0 8 * * *', timezone: 'Europe/Berlin' };
  assert.equal(describeSchedule(berlin, 'Europe/Berlin'), 'Every day at 08:00');
  assert.equal(describeSchedule(berlin, 'America/New_York'), 'Every day at 08:00 (Europe/Berlin)');
  assert.equal(
    describeSchedule({ cron: '0 9 * * 1-5', timezone: 'UTC' }, 'Asia/Tokyo'),
    'Weekdays at 09:00 (UTC)',
  );
  assert.equal(duration(3 * 86_400 + 7200), '3 d 2 h');
  assert.equal(duration(42), '42 s');
  assert.equal(initials('Ada Lovelace'), 'AL');
  assert.equal(initials(''), '?');
});

test('log lines: pino JSON alone or behind the journal prefix reads as time here, level, message, fields', () => {
  const json =
    '{"level":30,"time":"2030-01-01T08:41:52.238Z","name":"mono-agent","version":"7.7.7","msg":"ready"}';
  inZone('UTC', () => assert.equal(formatLogLine(json), '08:41:52 info  ready version=7.7.7'));
  // The agent logs in UTC; the desktop shows its own clock, as for messages and jobs (New York: UTC−5 in January).
  inZone('America/New_York', () => {
    assert.equal(formatLogLine(json), '03:41:52 info  ready version=7.7.7');
    assert.equal(
      formatLogLine(`2030-01-01T08:41:52+0000 vps mono-agent[313]: ${json}`),
      '03:41:52 info  ready version=7.7.7',
    );
    assert.equal(formatLogLine('{"level":30,"time":1893487312238,"msg":"ready"}'), '03:41:52 info  ready');
  });
  assert.equal(formatLogLine('Started mono-agent.service.'), 'Started mono-agent.service.');
  assert.equal(formatLogLine('broken {json'), 'broken {json');
});

test('live rows: an older state arriving late never replaces a newer one (".12Z" is before ".123Z")', () => {
  const failed = { id: 'message:1', status: 'failed', updated_at: '2026-03-01T10:00:00.12Z' };
  const sent = { id: 'message:1', status: 'sent', updated_at: '2026-03-01T10:00:00.123Z' };
  assert.equal(isOlder(failed, sent), true);
  assert.equal(isOlder(sent, failed), false);
  assert.equal(isOlder({ id: 'x', updated_at: '2026-03-01T10:00:01Z' }, sent), false);
  // A read that started before the reply was sent, merged with what arrived live meanwhile.
  assert.deepEqual(fresher([failed, { id: 'message:2', updated_at: '2026-03-01T09:00:00Z' }], [sent]), [
    sent,
    { id: 'message:2', updated_at: '2026-03-01T09:00:00Z' },
  ]);
});
