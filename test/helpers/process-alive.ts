// Whether a process still runs, for tests that a process was stopped: signal 0 checks it exists without touching
// it, and a zombie (exited, not yet reaped by its parent — e.g. one whose parent has just exited itself) is gone.
import { readFileSync } from 'node:fs';

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}
