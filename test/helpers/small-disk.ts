// A small real disk for fault tests: a tmpfs of a given size mounted on a fresh directory (needs root, as the
// disposable-VPS tests do), which a test can grow, fill with a file beside the agent's data, and throw away.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statfsSync } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export class SmallDisk {
  private constructor(readonly dir: string) {}

  /** Mounts a tmpfs of `size` (e.g. '8m'). Throws with what is missing when the test cannot mount. */
  static async mount(size: string): Promise<SmallDisk> {
    const dir = mkdtempSync(join(tmpdir(), 'mono-small-disk-'));
    try {
      await run('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dir]);
    } catch (error) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(
        `cannot mount a tmpfs for the disk tests (run them as root): ${(error as Error).message}`,
      );
    }
    return new SmallDisk(dir);
  }

  get freeBytes(): number {
    const s = statfsSync(this.dir);
    return s.bavail * s.bsize;
  }

  /** Gives the file system a new size: space comes back (or goes) without touching a file. */
  async resize(size: string): Promise<void> {
    await run('mount', ['-o', `remount,size=${size}`, this.dir]);
  }

  /** Writes `name` beside the data until the disk is full (or `leaveBytes` remain); resolves to its size. */
  async fill(name: string, leaveBytes = 0): Promise<number> {
    const file = await open(join(this.dir, name), 'w');
    const chunk = Buffer.alloc(64 * 1024, 7);
    let written = 0;
    try {
      for (;;) {
        const room = this.freeBytes - leaveBytes;
        if (room <= 0) break;
        const piece = room >= chunk.length ? chunk : chunk.subarray(0, Math.max(4096, room));
        try {
          written += (await file.write(piece)).bytesWritten;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOSPC') break;
          throw error;
        }
      }
    } finally {
      await file.close();
    }
    return written;
  }

  async remove(name: string): Promise<void> {
    await rm(join(this.dir, name), { force: true });
  }

  async unmount(): Promise<void> {
    await run('umount', [this.dir]).catch(() => run('umount', ['-l', this.dir]));
    rmSync(this.dir, { recursive: true, force: true });
  }
}
