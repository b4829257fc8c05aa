// The desktop's backups never stay "running" for good: an operation that does not end (a provider that never
// answers, a local agent that hangs) is given up after its limit, says so, and the next one starts at once.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { BackupOverview } from '../../src-main/ipc/contract.ts';
import type { Backups } from '../../src-main/services/backups.ts';
import { createPrefsStore } from '../../src-main/services/prefs.ts';
import {
  createUnavailableProvision,
  type ProvisionAdapter,
} from '../../src-main/services/provision-adapter.ts';
import { vpsOnlyBackups } from '../helpers/vps-only-backups.ts';

const root = mkdtempSync(join(tmpdir(), 'mono-give-up-'));
after(() => rmSync(root, { recursive: true, force: true }));

async function ended(backups: Backups): Promise<NonNullable<BackupOverview['progress']>> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const progress = (await backups.overview()).progress;
    if (progress && !progress.running) return progress;
    assert.ok(Date.now() < deadline, 'the backup still shows as running after 10 s');
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('a backup that never ends is given up after its limit, and Back up now works again', async () => {
  let calls = 0;
  const provision: ProvisionAdapter = {
    ...createUnavailableProvision(),
    // The first backup never settles; the second one does.
    backup: () => (++calls === 1 ? new Promise(() => {}) : Promise.resolve({ bytes: 2048, counts: {} })),
  };
  const prefs = createPrefsStore(join(root, 'desktop.json'));
  prefs.update({ mode: 'vps', vps: { host: '192.0.2.1', port: 22, user: 'root', keyPath: '/dev/null' } });
  const logged: string[] = [];
  const backups = await vpsOnlyBackups(root, {
    prefs,
    provision,
    log: (message) => logged.push(message),
    giveUpAfterMs: 1500,
  });
  const started = Date.now();
  await backups.run();
  assert.throws(() => backups.run(), /running already/);
  const failed = await ended(backups);
  assert.ok(Date.now() - started >= 1500);
  assert.equal(failed.error?.step, 'connect');
  assert.match(
    failed.error?.message ?? '',
    /^The backup did not finish within 2 s and was given up\. Check /,
  );
  assert.deepEqual(logged, ['backup failed']);

  await backups.run();
  const done = await ended(backups);
  assert.equal(done.error, undefined);
  assert.match(done.result ?? '', /^Backed up 0 messages in 0 conversations \(2 kB\)\.$/);
});
