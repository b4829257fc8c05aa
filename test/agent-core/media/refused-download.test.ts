// A download refused as too large leaves no partial file behind, even when it is refused before its file has
// finished opening (the file would appear after the clean-up and stay in .incoming/ for good). Many at once: the
// opens and the clean-ups then race on libuv's thread pool, as they do on a busy agent.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { MediaFiles, TooLargeError } from '../../../agent-core/media/files.ts';

const dir = mkdtempSync(join(tmpdir(), 'mono-refused-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('400 downloads refused at their first chunk leave nothing in .incoming', async () => {
  const files = new MediaFiles(dir);
  await files.init();
  const results = await Promise.allSettled(
    Array.from({ length: 400 }, () => files.receive([Buffer.alloc(4096)], 1024)),
  );
  assert.ok(
    results.every((r) => r.status === 'rejected' && r.reason instanceof TooLargeError),
    'each one refused as too large',
  );
  assert.deepEqual(readdirSync(join(dir, 'media', '.incoming')), []);
});
