// Retention of the files kept beside the datastore: past the period they go; beyond the share of the disk, the
// oldest go first; other folders are never touched.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { prune, retentionRules } from '../../../agent-core/health/retention.ts';

const root = mkdtempSync(join(tmpdir(), 'mono-retention-'));
after(() => rmSync(root, { recursive: true, force: true }));
const DAY = 86_400_000;
const now = Date.UTC(2026, 2, 2);

function file(path: string, kb: number, daysOld: number): string {
  const full = join(root, path);
  mkdirSync(join(full, '..'), { recursive: true });
  writeFileSync(full, Buffer.alloc(kb * 1024));
  const at = new Date(now - daysOld * DAY);
  utimesSync(full, at, at);
  return full;
}

test('rules: 30 days, a tenth of the disk and never more than 1 GB', () => {
  assert.deepEqual(retentionRules(10 * 1024 ** 3), { maxAgeMs: 30 * DAY, maxBytes: 1024 ** 3 });
  assert.deepEqual(retentionRules(2e9), { maxAgeMs: 30 * DAY, maxBytes: 2e8 });
});

test('old files go, then the oldest until the folders fit their share; the rest of the data is left alone', async () => {
  const old = file('media/2025/old.jpg', 10, 40);
  const a = file('media/a.jpg', 100, 3);
  const b = file('backups/b.tar', 100, 2);
  const c = file('media/c.jpg', 100, 1);
  const db = file('db/wal/0.wal', 500, 90);
  const gone = await prune(
    [join(root, 'media'), join(root, 'backups'), join(root, 'missing')],
    {
      maxAgeMs: 30 * DAY,
      maxBytes: 250 * 1024,
    },
    now,
  );
  assert.deepEqual(gone, { files: 2, bytes: 110 * 1024 });
  assert.deepEqual([old, a, b, c, db].map(existsSync), [false, false, true, true, true]);
});
