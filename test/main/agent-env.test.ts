// The agent's environment as the desktop writes it (for the local agent and the VPS's env file): the owner's time
// zone is this computer's, because a VPS runs on UTC and "remind me at 9" from Berlin would mean 09:00 UTC.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { settingsEnv } from '../../src-main/services/agent-env.ts';

test('the agent is given this computer’s time zone, whatever the server’s is', () => {
  const before = process.env.TZ;
  try {
    for (const zone of ['Europe/Berlin', 'America/Los_Angeles', 'Asia/Tokyo', 'UTC']) {
      process.env.TZ = zone;
      assert.equal(settingsEnv({ mode: 'vps', wizardStep: 'done', wizardDone: true }).MONO_TIMEZONE, zone);
    }
  } finally {
    if (before === undefined) delete process.env.TZ;
    else process.env.TZ = before;
  }
});
