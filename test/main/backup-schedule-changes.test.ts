// The backup schedule changes field by field, through the IPC contract as the Server screen calls it: the switch
// and the number each send only their own field, so two quick changes both hold (sent whole, the second carried the
// first one's old value back: turned off, then "keep 3", and it was on again).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { dispatch } from '../../src-main/ipc/dispatch.ts';
import { backupHandlers } from '../../src-main/services/handlers/backup-handlers.ts';
import { createPrefsStore } from '../../src-main/services/prefs.ts';
import { createUnavailableProvision } from '../../src-main/services/provision-adapter.ts';
import { vpsOnlyBackups } from '../helpers/vps-only-backups.ts';

const root = mkdtempSync(join(tmpdir(), 'mono-schedule-changes-'));
after(() => rmSync(root, { recursive: true, force: true }));

async function screen(name: string) {
  const prefs = createPrefsStore(join(root, `${name}.json`));
  const dir = mkdtempSync(join(root, name));
  const backups = await vpsOnlyBackups(dir, {
    prefs,
    provision: createUnavailableProvision(),
    log: () => {},
  });
  const handlers = backupHandlers({ backups }) as never;
  const call = (input: unknown) => dispatch(handlers, 'backup.setSchedule', input);
  return { prefs, call };
}

test('the switch and the number changed together both hold, whichever lands first', async () => {
  for (const order of ['switch first', 'number first']) {
    const { prefs, call } = await screen(order.replace(' ', '-'));
    const off = () => call({ enabled: false, everyHours: 24 });
    const keep3 = () => call({ keep: 3 });
    const results = await Promise.all(order === 'switch first' ? [off(), keep3()] : [keep3(), off()]);
    for (const result of results) assert.equal((result as { ok: boolean }).ok, true, JSON.stringify(result));
    assert.deepEqual(prefs.get().backups, { enabled: false, everyHours: 24, keep: 3 }, order);
  }
});

test('a field sent empty or not at all keeps what the owner chose; a bad number is refused and changes nothing', async () => {
  const { prefs, call } = await screen('fields');
  await call({ keep: 14 });
  assert.deepEqual(
    prefs.get().backups,
    { enabled: true, everyHours: 24, keep: 14 },
    'the default schedule, keep 14',
  );
  await call({ enabled: undefined, keep: undefined });
  await call({});
  assert.deepEqual(prefs.get().backups, { enabled: true, everyHours: 24, keep: 14 });
  for (const bad of [{ keep: 0 }, { keep: 101 }, { keep: 2.5 }, { everyHours: 0 }, { enabled: 'no' }]) {
    const result = (await call(bad)) as { ok: boolean; error?: { message: string } };
    assert.equal(result.ok, false, JSON.stringify(bad));
    assert.ok(result.error?.message, 'a message the owner can read');
  }
  const zero = (await call({ keep: 0 })) as { error: { message: string } };
  assert.equal(zero.error.message, 'Check “Backups to keep”: it is missing or not valid.');
  assert.deepEqual(prefs.get().backups, { enabled: true, everyHours: 24, keep: 14 });
});
