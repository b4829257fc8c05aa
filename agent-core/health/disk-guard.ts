// Watches the free space of the file system that holds the data directory and turns it into a level: ok (normal),
// low (new inbound is refused so the senders retry later; what was acknowledged is finished from the reserve) or
// critical (nothing is written until space comes back). Acknowledgement points ask accepting(); writers of
// acknowledged work await room(). The numbers are in disk-thresholds.ts.
import { statfsSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../log/logger.ts';
import { sleep } from '../util/sleep.ts';
import {
  BYTES_PER_PENDING_TURN,
  type DiskLevel,
  type DiskThresholds,
  diskThresholds,
  formatBytes,
  isDiskFullError,
  nextDiskLevel,
} from './disk-thresholds.ts';

export interface DiskState {
  level: DiskLevel;
  freeBytes: number;
  totalBytes: number;
  thresholds: DiskThresholds;
  /** Wall-clock ms when the level last left 'ok'. */
  since?: number;
}

export interface DiskGuardOptions {
  /** The data directory (its file system is the one watched). */
  dir: string;
  /** The engine's write-ahead log directory, if the datastore is embedded. */
  engineLogDir?: string;
  log: Logger;
  /** How often space is looked at while nothing asks (ms). */
  checkMs?: number;
  /** A fixed reserve instead of the automatic one (bytes). */
  reserveBytes?: number;
  /** The file system's free and total bytes (tests give a fake disk; default statfs). */
  statfs?: (dir: string) => { freeBytes: number; totalBytes: number };
}

/** Looked at again on demand when the last look is older than this: statfs costs microseconds. */
const FRESH_MS = 100;

export class DiskGuard {
  readonly #options: DiskGuardOptions;
  readonly #statfs: NonNullable<DiskGuardOptions['statfs']>;
  #state: DiskState;
  #engineLogBytes = 0;
  #checkedAt = 0;
  #timer: NodeJS.Timeout | undefined;
  #pending: () => number = () => 0;
  readonly #listeners = new Set<(state: DiskState) => void>();

  constructor(options: DiskGuardOptions) {
    this.#options = options;
    this.#statfs = options.statfs ?? statfsBytes;
    this.#state = { level: 'ok', freeBytes: 0, totalBytes: 0, thresholds: diskThresholds(0, 0, 0) };
  }

  /** Looks once (so the first message is already judged) and then every checkMs. */
  async start(): Promise<void> {
    await this.#measureEngineLog();
    this.#check();
    this.#timer = setInterval(() => {
      void this.#measureEngineLog().then(() => this.#check());
    }, this.#options.checkMs ?? 5000);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  get state(): DiskState {
    return this.#state;
  }

  /** Called on every level change; returns its unsubscribe. */
  onChange(listener: (state: DiskState) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Messages taken and not answered yet (the turn runner's count): the reserve must hold their replies too. */
  countPending(pending: () => number): void {
    this.#pending = pending;
  }

  /** May new inbound be acknowledged? (Looks again when the last look is older than a tenth of a second.) */
  accepting(): boolean {
    if (performance.now() - this.#checkedAt > FRESH_MS) this.#check();
    return this.#state.level === 'ok';
  }

  /**
   * Bytes a received file may take: the free space above the reserve, once the replies of the messages taken are
   * counted. A photo or a PDF is never kept at the cost of finishing acknowledged work (0 while refusing).
   */
  spareForFiles(): number {
    if (performance.now() - this.#checkedAt > FRESH_MS) this.#check();
    if (this.#state.level !== 'ok') return 0;
    const spare =
      this.#state.freeBytes - this.#pending() * BYTES_PER_PENDING_TURN - this.#state.thresholds.refuseBelow;
    return Math.max(0, spare);
  }

  /** True while writes must wait (the level is critical); looks again when the last look is stale. */
  holding(): boolean {
    if (performance.now() - this.#checkedAt > FRESH_MS) this.#check();
    return this.#state.level === 'critical';
  }

  /** Resolves when acknowledged work may write (the level is not critical); early when the signal aborts. */
  async room(signal?: AbortSignal): Promise<void> {
    if (performance.now() - this.#checkedAt > FRESH_MS) this.#check();
    while (this.#state.level === 'critical' && !signal?.aborted) {
      await sleep(Math.min(1000, this.#options.checkMs ?? 5000), signal);
      this.#check();
    }
  }

  /** A write failed: if for lack of space, nothing more is written until a look finds room again. */
  noteWriteFailure(error: unknown): void {
    if (!isDiskFullError(error)) return;
    this.#options.log.error('a write failed for lack of disk space: holding all writes until space is freed');
    this.#set({ ...this.#state, level: 'critical', freeBytes: 0 });
  }

  #check(): void {
    this.#checkedAt = performance.now();
    let measured: { freeBytes: number; totalBytes: number };
    try {
      measured = this.#statfs(this.#options.dir);
    } catch (error) {
      this.#options.log.warn({ err: error }, 'cannot read the free disk space of the data directory');
      return;
    }
    const thresholds = diskThresholds(measured.totalBytes, this.#engineLogBytes, this.#options.reserveBytes);
    // Free space that is not already promised to the replies of messages taken: what the levels judge.
    const spare = measured.freeBytes - this.#pending() * BYTES_PER_PENDING_TURN;
    const level = nextDiskLevel(this.#state.level, measured.freeBytes, thresholds, spare);
    this.#set({ level, ...measured, thresholds });
  }

  #set(next: Omit<DiskState, 'since'>): void {
    const previous = this.#state;
    const since = next.level === 'ok' ? undefined : (previous.since ?? Date.now());
    this.#state = { ...next, ...(since !== undefined ? { since } : {}) };
    if (next.level === previous.level) return;
    const log = this.#options.log;
    const fields = { free: formatBytes(next.freeBytes), reserve: formatBytes(next.thresholds.refuseBelow) };
    if (next.level === 'ok') log.info(fields, 'disk space is back: taking new messages again');
    else if (next.level === 'low')
      log.warn(
        fields,
        'disk nearly full: new messages are refused (senders retry later) until space is freed',
      );
    else log.error(fields, 'disk full: holding every write until space is freed');
    for (const listener of this.#listeners) listener(this.#state);
  }

  async #measureEngineLog(): Promise<void> {
    const dir = this.#options.engineLogDir;
    if (!dir) return;
    try {
      const names = await readdir(dir);
      const sizes = await Promise.all(names.map((name) => stat(join(dir, name)).then((s) => s.size)));
      this.#engineLogBytes = sizes.reduce((sum, size) => sum + size, 0);
    } catch {
      // Not there (yet), or another engine layout: no log to leave room for.
      this.#engineLogBytes = 0;
    }
  }
}

function statfsBytes(dir: string): { freeBytes: number; totalBytes: number } {
  const s = statfsSync(dir);
  return { freeBytes: s.bavail * s.bsize, totalBytes: s.blocks * s.bsize };
}
