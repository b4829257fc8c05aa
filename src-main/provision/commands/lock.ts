// The deploy lock on the host: a directory (mkdir is atomic) holding who took it, when, and a heartbeat.
import { LAYOUT, LOCK_STALE_S } from '../layout.ts';
import { script, sh } from '../shell.ts';
import type { RemoteCommand } from './remote.ts';

export interface LockOwner {
  /** Who deploys: user@machine (shown to whoever finds the lock taken). */
  owner: string;
  /** The deploying process on that machine, so a lock left by a dead process is recognised at once. */
  machine: string;
  pid: number;
  /** Random per deploy: only the holder may refresh or release the lock. */
  token: string;
}

const info = `${LAYOUT.lockDir}/info`;

function writeInfo(lock: LockOwner): string {
  return `printf 'owner=%s\\nmachine=%s\\npid=%s\\ntoken=%s\\nsince=%s\\nheartbeat=%s\\n' ${sh(lock.owner)} ${sh(lock.machine)} ${lock.pid} ${sh(lock.token)} "$now" "$now" > ${info}`;
}

/**
 * Takes the lock, or prints `lock=held` and the holder's info. A lock whose heartbeat is older than
 * LOCK_STALE_S, or that `takeOver` names by token (its process is known dead), is replaced.
 */
export function acquireLockCommand(lock: LockOwner, takeOver?: string): RemoteCommand {
  return {
    step: 'lock',
    root: true,
    what: `taking the deploy lock ${LAYOUT.lockDir}`,
    script: script(
      'now=$(date +%s)',
      `if mkdir ${LAYOUT.lockDir} 2>/dev/null; then ${writeInfo(lock)}; echo lock=acquired; exit 0; fi`,
      `hb=$(sed -n 's/^heartbeat=//p' ${info} 2>/dev/null || true)`,
      `tok=$(sed -n 's/^token=//p' ${info} 2>/dev/null || true)`,
      `if [ $((now - \${hb:-0})) -gt ${LOCK_STALE_S} ]${takeOver ? ` || [ "$tok" = ${sh(takeOver)} ]` : ''}; then`,
      `  sed 's/^/stale_/' ${info} 2>/dev/null || true`,
      `  rm -rf ${LAYOUT.lockDir}`,
      `  mkdir ${LAYOUT.lockDir} && ${writeInfo(lock)} && echo lock=acquired-stale && exit 0`,
      'fi',
      'echo lock=held',
      `cat ${info} 2>/dev/null || true`,
      'echo "now=$now"',
    ),
  };
}

export function heartbeatCommand(token: string): RemoteCommand {
  return {
    step: 'lock',
    root: true,
    script: script(
      `grep -qx ${sh(`token=${token}`)} ${info}`,
      `sed -i "s/^heartbeat=.*/heartbeat=$(date +%s)/" ${info}`,
    ),
  };
}

/** Releases the lock only when this deploy holds it (a taken-over lock belongs to someone else now). */
export function releaseLockCommand(token: string): RemoteCommand {
  return {
    step: 'unlock',
    root: true,
    what: `releasing the deploy lock ${LAYOUT.lockDir}`,
    script: script(
      `if grep -qx ${sh(`token=${token}`)} ${info} 2>/dev/null; then rm -rf ${LAYOUT.lockDir}; fi`,
    ),
  };
}
