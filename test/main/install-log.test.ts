// The install log the Server screen shows: each line stamped with this computer's clock, as every other time on
// the desktop (it was UTC: in New York a line written at 03:41 read 08:41).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { createInstallTracker } from '../../src-main/services/install.ts';

test('install log lines carry the time on this computer’s clock', () => {
  const before = process.env.TZ;
  try {
    for (const zone of ['America/New_York', 'Asia/Tokyo', 'UTC']) {
      process.env.TZ = zone;
      const tracker = createInstallTracker(() => {});
      tracker.begin([{ step: 'connect', message: 'Connect to the server' }]);
      tracker.log('hello');
      const [line] = tracker.state().log;
      // What date(1) says the time is in that zone now (a line within a second or two of it).
      const clock = execFileSync('date', ['+%H:%M:%S'], { env: { ...process.env, TZ: zone } })
        .toString()
        .trim();
      const [stamp, text] = line!.split(/ {2}/);
      assert.equal(text, 'hello');
      const [hh, mm, ss] = stamp!.split(':').map(Number);
      const [h2, m2, s2] = clock.split(':').map(Number);
      const apart = Math.abs(hh! * 3600 + mm! * 60 + ss! - (h2! * 3600 + m2! * 60 + s2!));
      assert.ok(apart <= 2 || apart >= 86_398, `${zone}: stamped ${stamp}, date(1) says ${clock}`);
    }
  } finally {
    if (before === undefined) delete process.env.TZ;
    else process.env.TZ = before;
  }
});
