// A local agent must never run without the desktop that owns it. The supervisor records its agent's pid in a file;
// a desktop that starts while an agent from an earlier run is still there (killed desktop, crash) stops it
// cleanly first — after checking that the pid really is that agent, not an unrelated process that reused it.
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';

export function recordPid(file: string, pid: number | undefined): void {
  if (pid) writeFileSync(file, `${pid}\n`, { mode: 0o600 });
}

/** Removes the pid file if it still names `pid` (a newer agent may have written its own). */
export function forgetPid(file: string, pid: number | undefined): void {
  if (pid && readPid(file) === pid) rmSync(file, { force: true });
}

/** Stops the agent an earlier desktop left running (SIGTERM, SIGKILL after `graceMs`); true if there was one. */
export async function stopLeftoverAgent(file: string, agentPath: string, graceMs = 6_000): Promise<boolean> {
  const pid = readPid(file);
  if (!pid || pid === process.pid || !isAlive(pid) || !commandLine(pid)?.includes(agentPath)) {
    rmSync(file, { force: true });
    return false;
  }
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  while (isAlive(pid)) await new Promise((r) => setTimeout(r, 20));
  rmSync(file, { force: true });
  return true;
}

function readPid(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // A zombie (exited, not yet reaped) is gone for our purposes.
    return !/^State:\s+Z/m.test(readProc(pid, 'status') ?? '');
  } catch {
    return false;
  }
}

function commandLine(pid: number): string | undefined {
  const proc = readProc(pid, 'cmdline');
  if (proc !== undefined) return proc.replace(/\0/g, ' ');
  try {
    // macOS and the BSDs have no /proc.
    return execFileSync('ps', ['-o', 'command=', '-p', String(pid)], { encoding: 'utf8' });
  } catch {
    return undefined;
  }
}

function readProc(pid: number, file: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return undefined;
  }
}
