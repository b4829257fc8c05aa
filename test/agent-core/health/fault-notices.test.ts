// What the owner reads about an outage: the clock times alone within one local day, the dates too across days,
// in the owner's time zone.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { outageNow, outageOver } from '../../../agent-core/health/fault-notices.ts';

const at = (iso: string) => Date.parse(iso);
const ANSWERED = 'The messages that waited are being answered now.';

test('an outage within one local day reads as two clock times', () => {
  // 08:00Z and 10:30Z on Monday 7 December 2026 are 09:00 and 11:30 in Berlin (CET, +1).
  assert.equal(
    outageOver('telegram', at('2026-12-07T08:00:00Z'), at('2026-12-07T10:30:00Z'), 'Europe/Berlin'),
    `Telegram was unreachable from 09:00 to 11:30. ${ANSWERED}`,
  );
  assert.equal(
    outageNow('email', at('2026-12-07T08:00:00Z'), 'Europe/Berlin', 2),
    "I can't reach the mail server since 09:00. 2 messages wait and will be answered when it's back; I keep trying.",
  );
});

test('an outage across local midnight gives both dates', () => {
  // 22:30Z to 23:15Z: Monday 23:30 to Tuesday 00:15 in Berlin, not 45 minutes that read like a whole day.
  assert.equal(
    outageOver('whatsapp', at('2026-12-07T22:30:00Z'), at('2026-12-07T23:15:00Z'), 'Europe/Berlin'),
    `WhatsApp was unreachable from 2026-12-07 23:30 (Monday) to 2026-12-08 00:15 (Tuesday). ${ANSWERED}`,
  );
  // The same instants are one day in New York (17:30 to 18:15): the owner's zone decides, not UTC's.
  assert.equal(
    outageOver('whatsapp', at('2026-12-07T22:30:00Z'), at('2026-12-07T23:15:00Z'), 'America/New_York'),
    `WhatsApp was unreachable from 17:30 to 18:15. ${ANSWERED}`,
  );
});

test('an outage over several days says which days, not "from 22:00 to 08:00"', () => {
  // Monday 22:00 to Wednesday 08:00 in Berlin: 34 hours.
  assert.equal(
    outageOver('anthropic', at('2026-12-07T21:00:00Z'), at('2026-12-09T07:00:00Z'), 'Europe/Berlin'),
    `Claude (Anthropic) was unreachable from 2026-12-07 22:00 (Monday) to 2026-12-09 08:00 (Wednesday). ${ANSWERED}`,
  );
});
