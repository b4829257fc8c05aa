// When the disk is too full to take new work, pure. The embedded engine aborts the whole process once a commit
// fails for lack of space, so MONO must stop well before: it keeps room for the engine to rewrite its log (a flush
// writes the log's contents out before deleting it) plus a reserve for finishing what it already acknowledged.

const MIB = 1024 * 1024;

export interface DiskThresholds {
  /** Below this many free bytes no new inbound is acknowledged (HTTP 503, polling pauses). */
  refuseBelow: number;
  /** Acknowledging starts again only above this (so the agent does not flap around one value). */
  resumeAbove: number;
  /** Below this even acknowledged work waits: nothing is written until space comes back. */
  holdBelow: number;
}

export type DiskLevel = 'ok' | 'low' | 'critical';

/**
 * Room kept for each message taken and not answered yet: its reply, the marks and usage it writes (a few KB in the
 * engine's log), twice over since a flush needs as much again. A backlog is finished from the reserve, so it must
 * fit in it: on a tiny disk the agent stops taking messages sooner when many wait for Claude.
 */
export const BYTES_PER_PENDING_TURN = 16 * 1024;

/**
 * The reserve is 2 % of the file system, at least 2 MiB and at most 256 MiB (a 10 GB VPS keeps 200 MB, a tiny
 * disk 2 MiB: hundreds of replies with their marks and usage), or `reserveBytes` when configured. On top of it
 * sits the engine's write-ahead log, which a flush rewrites before it can delete it.
 */
export function diskThresholds(
  totalBytes: number,
  engineLogBytes: number,
  reserveBytes?: number,
): DiskThresholds {
  const reserve = reserveBytes ?? Math.min(256 * MIB, Math.max(2 * MIB, Math.round(totalBytes * 0.02)));
  const holdBelow = engineLogBytes + Math.round(reserve / 4);
  const refuseBelow = engineLogBytes + reserve;
  return { holdBelow, refuseBelow, resumeAbove: refuseBelow + Math.round(reserve / 2) };
}

/**
 * The next level, with hysteresis (leaving a level needs more room than entering it). Critical is judged on the
 * free bytes (writing must stop before the disk is full); taking new work on what is spare once the replies of the
 * messages already taken are counted (`spareBytes`, at most `freeBytes`).
 */
export function nextDiskLevel(
  current: DiskLevel,
  freeBytes: number,
  t: DiskThresholds,
  spareBytes: number = freeBytes,
): DiskLevel {
  if (freeBytes < t.holdBelow) return 'critical';
  if (current === 'critical' && freeBytes < (t.holdBelow + t.refuseBelow) / 2) return 'critical';
  if (spareBytes < t.refuseBelow) return 'low';
  if (current !== 'ok' && spareBytes < t.resumeAbove) return 'low';
  return 'ok';
}

/** True for the error a write gets when the disk is full (errno 28, as the engine and Node word it). */
export function isDiskFullError(error: unknown): boolean {
  const text =
    error instanceof Error ? `${(error as NodeJS.ErrnoException).code ?? ''} ${error.message}` : '';
  return /ENOSPC|no (storage )?space left|no storage space|os error 28/i.test(text);
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * MIB) return `${(bytes / (1024 * MIB)).toFixed(1)} GB`;
  if (bytes >= MIB) return `${(bytes / MIB).toFixed(bytes >= 100 * MIB ? 0 : 1)} MB`;
  return `${Math.round(bytes / 1024)} KB`;
}
