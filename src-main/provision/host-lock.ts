// Taking and giving back the deploy lock on a host: waits if asked, recognises locks left by dead deploys.
import { randomBytes } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import { acquireLockCommand, heartbeatCommand, type LockOwner, releaseLockCommand } from './commands/lock.ts';
import { LockedError } from './errors.ts';
import type { Session } from './session.ts';

export interface HeldLock {
  token: string;
  /** Set when a stale lock was replaced: who held it. */
  tookOverFrom?: string;
}

export function localLockOwner(): LockOwner {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {}
  return {
    owner: `${user}@${hostname()} pid ${process.pid}`,
    machine: hostname(),
    pid: process.pid,
    token: randomBytes(8).toString('hex'),
  };
}

/**
 * Tokens of the locks this process holds now. A lock of this very process whose token is not among them was
 * left by an operation that ended without releasing it (its SSH connection died with a hung command): the
 * desktop's retry must not wait ten minutes for it.
 */
const heldHere = new Set<string>();

/**
 * A lock taken by a process on this machine that no longer exists, or by an operation of this process that has
 * ended, is stale whatever its heartbeat says.
 */
export function heldByDeadLocalProcess(facts: Record<string, string>, isAlive = pidAlive): boolean {
  if (facts.machine !== hostname() || !(Number(facts.pid) > 0)) return false;
  if (Number(facts.pid) === process.pid) return !heldHere.has(facts.token ?? '');
  return !isAlive(Number(facts.pid));
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function acquireHostLock(
  session: Session,
  options: { timeoutMs?: number; signal?: AbortSignal; onWait?: (owner: string) => void } = {},
): Promise<HeldLock> {
  const me = localLockOwner();
  const deadline = performance.now() + (options.timeoutMs ?? 0);
  let takeOver: string | undefined;
  let waiting = false;
  for (;;) {
    const { facts } = await session.run(acquireLockCommand(me, takeOver));
    if (facts.lock === 'acquired' || facts.lock === 'acquired-stale') {
      heldHere.add(me.token);
      return {
        token: me.token,
        tookOverFrom: facts.lock === 'acquired-stale' ? facts.stale_owner : undefined,
      };
    }
    if (!takeOver && facts.token && heldByDeadLocalProcess(facts)) {
      takeOver = facts.token;
      continue;
    }
    if (performance.now() >= deadline || options.signal?.aborted) {
      const since = Number(facts.since);
      throw new LockedError(
        facts.owner ?? 'unknown',
        since ? new Date(since * 1000) : undefined,
        session.name,
      );
    }
    if (!waiting) options.onWait?.(facts.owner ?? 'unknown');
    waiting = true;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

export async function heartbeat(session: Session, lock: HeldLock): Promise<void> {
  await session.run(heartbeatCommand(lock.token), { allowFailure: true });
}

/** Gives the lock back. Even when that fails (a dead connection), the operation is over: a retry may take it. */
export async function releaseHostLock(session: Session, lock: HeldLock): Promise<void> {
  try {
    await session.run(releaseLockCommand(lock.token));
  } finally {
    heldHere.delete(lock.token);
  }
}
