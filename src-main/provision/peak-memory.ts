// This process's own peak resident memory, for the fleet's controller figure. getrusage's maxrss survives
// execve, so a `mono` started by a large parent (a test runner, a bench, the desktop) would report the parent's
// peak instead of its own; Linux's VmHWM belongs to this program alone.
import { readFileSync } from 'node:fs';

export function peakRssMb(): number {
  try {
    const hwm = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (hwm) return Math.round(Number(hwm[1]) / 1024);
  } catch {
    // Not Linux: getrusage is the figure there.
  }
  return Math.round(process.resourceUsage().maxRSS / 1024);
}
