// A backup schedule the owner turns off is off at once: a scheduled look that had already begun (it reads the
// backups folder first) makes no backup once the schedule says no.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createPrefsStore } from '../../src-main/services/prefs.ts';
import {
  createUnavailableProvision,
  type ProvisionAdapter,
} from '../../src-main/services/provision-adapter.ts';
import { vpsOnlyBackups } from '../helpers/vps-only-backups.ts';

const root = mkdtempSync(join(tmpdir(), 'mono-schedule-off-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('a schedule turned off while a scheduled look reads the folder makes no backup', async () => {
  let backupsMade = 0;
  const provision: ProvisionAdapter = {
    ...createUnavailableProvision(),
    backup: async () => {
      backupsMade++;
      return { bytes: 2048, counts: {} };
    },
  };
  const stored = createPrefsStore(join(root, 'desktop.json'));
  stored.update({
    mode: 'vps',
    wizardDone: true,
    vps: { host: '192.0.2.1', port: 22, user: 'root', keyPath: '/dev/null' },
    backups: { enabled: true, everyHours: 24, keep: 2 },
  });
  // The owner's click lands right after the scheduled look first asked the schedule (before the folder is read).
  let turnedOff = false;
  const prefs = {
    ...stored,
    get: () => {
      const current = stored.get();
      if (!turnedOff && current.backups?.enabled) {
        turnedOff = true;
        queueMicrotask(() => void backups.setSchedule({ enabled: false, everyHours: 24, keep: 2 }));
      }
      return current;
    },
  };
  const backups = await vpsOnlyBackups(root, { prefs, provision, log: () => {}, checkEveryMs: 20 });
  backups.start();
  await new Promise((r) => setTimeout(r, 500));
  backups.stop();
  assert.equal(turnedOff, true, 'the scheduled look ran and the owner turned the schedule off');
  assert.equal(stored.get().backups?.enabled, false);
  assert.equal(backupsMade, 0, 'no backup after the schedule was turned off');
  assert.equal((await backups.overview()).progress, undefined, 'no backup was started');
});
