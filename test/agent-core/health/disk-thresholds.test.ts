// When the disk is too full: thresholds for a 10 GB VPS and a tiny disk, the hysteresis between levels, the
// reserve kept for a backlog, and the engine's and Node's words for a full disk.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  BYTES_PER_PENDING_TURN,
  diskThresholds,
  isDiskFullError,
  nextDiskLevel,
} from '../../../agent-core/health/disk-thresholds.ts';

const MIB = 1024 * 1024;
const GB = 10 ** 9;

test('a 10 GB VPS keeps 200 MB plus the engine log; a 12 MiB disk keeps 2 MiB plus the log', () => {
  assert.deepEqual(diskThresholds(10 * GB, 50 * MIB), {
    holdBelow: 50 * MIB + 50_000_000,
    refuseBelow: 50 * MIB + 200_000_000,
    resumeAbove: 50 * MIB + 300_000_000,
  });
  assert.deepEqual(diskThresholds(12 * MIB, 3 * MIB), {
    holdBelow: 3.5 * MIB,
    refuseBelow: 5 * MIB,
    resumeAbove: 6 * MIB,
  });
  // Large disks keep at most 256 MiB; a configured reserve wins.
  assert.equal(diskThresholds(2000 * GB, 0).refuseBelow, 256 * MIB);
  assert.equal(diskThresholds(10 * GB, 0, 8 * MIB).refuseBelow, 8 * MIB);
});

test('levels: refuse below the reserve, hold below a quarter of it, and leave each only with room to spare', () => {
  const t = diskThresholds(12 * MIB, 0); // hold 0.5 MiB, refuse 2 MiB, resume 3 MiB
  assert.equal(nextDiskLevel('ok', 4 * MIB, t), 'ok');
  assert.equal(nextDiskLevel('ok', 1.9 * MIB, t), 'low');
  assert.equal(nextDiskLevel('low', 2.5 * MIB, t), 'low', 'not back at the line it crossed');
  assert.equal(nextDiskLevel('low', 3 * MIB, t), 'ok');
  assert.equal(nextDiskLevel('low', 0.4 * MIB, t), 'critical');
  assert.equal(
    nextDiskLevel('critical', 1 * MIB, t),
    'critical',
    'writes resume only halfway up to the reserve',
  );
  assert.equal(nextDiskLevel('critical', 1.3 * MIB, t), 'low');
  assert.equal(nextDiskLevel('ok', 0, t), 'critical');
});

test('a backlog of taken messages is paid from the reserve: new work stops sooner, writing never does', () => {
  const t = diskThresholds(12 * MIB, 0);
  const free = 4 * MIB;
  const spare = (pending: number) => free - pending * BYTES_PER_PENDING_TURN;
  assert.equal(nextDiskLevel('ok', free, t, spare(10)), 'ok');
  assert.equal(
    nextDiskLevel('ok', free, t, spare(200)),
    'low',
    '200 waiting replies do not fit above the reserve',
  );
  assert.equal(nextDiskLevel('ok', free, t, spare(100_000)), 'low', 'never critical because of a backlog');
});

test('the full-disk error is recognised as the engine and Node word it', () => {
  assert.ok(
    isDiskFullError(
      new Error(
        'There was a problem with a transaction: WAL error: IO error: kind=no storage space, message=No space left on device (os error 28)',
      ),
    ),
  );
  assert.ok(isDiskFullError(Object.assign(new Error('write failed'), { code: 'ENOSPC' })));
  assert.ok(!isDiskFullError(new Error('Transaction conflict')));
  assert.ok(!isDiskFullError('no space left'));
});
