// The deploy guard: a timer the VPS keeps while a deploy switches releases, so a deploy whose controller goes
// away (a lost connection, a closed laptop, a killed process) still ends with a healthy agent. If the deploy has
// not disarmed it by its deadline, the VPS checks the release `current` names itself and goes back if it is not
// healthy and stable.
import { LAYOUT } from '../layout.ts';
import { script, sh } from '../shell.ts';
import { rollbackStageCommand } from './recovery.ts';
import { assertVersion } from './release.ts';
import type { RemoteCommand } from './remote.ts';
import { liftHold } from './systemd.ts';

export const GUARD_UNIT = 'mono-deploy-guard';
const GUARD_SCRIPT = `${LAYOUT.configDir}/deploy-guard.sh`;

export interface GuardSpec {
  /** The release being deployed, and the version its /healthz must report. */
  release: string;
  version: string;
  /** The release to go back to (the plan's first way back), its version, and what goes back with it. */
  back: {
    release: string;
    version: string;
    previous: string | undefined;
    oldConfig: boolean;
    restoreData: boolean;
  };
  port: number;
  /** How long the running process must have been up (and healthy) to be kept. */
  stableS: number;
  /** The deploy lock's token: the guard releases the lock it leaves behind. */
  lockToken: string;
}

/** Whether the release `current` names is serving: healthy with its version and up for stableS. */
function stableCheck(spec: GuardSpec): string {
  const probe =
    'fetch("http://127.0.0.1:"+process.argv[1]+"/healthz",{signal:AbortSignal.timeout(3000)}).then(r=>r.json()).then(h=>process.exit(h.status==="ok"&&h.version===process.argv[2]?0:1),()=>process.exit(1))';
  return [
    'stable() {',
    `  [ "$(systemctl show -p ActiveState --value ${LAYOUT.unitName})" = active ] || return 1`,
    `  started=$(systemctl show -p ExecMainStartTimestamp --value ${LAYOUT.unitName})`,
    '  [ -n "$started" ] || return 1',
    '  up=$(( $(date +%s) - $(date -d "$started" +%s) )) || return 1',
    `  [ "$up" -ge ${Math.ceil(spec.stableS)} ] || return 1`,
    // The Node that runs the agent, as the unit MONO wrote names it.
    `  node=$(sed -n 's/^ExecStart=\\([^ ]*\\) .*/\\1/p' ${LAYOUT.unitPath} | head -1)`,
    `  "\${node:-node}" -e ${sh(probe)} ${spec.port} "$1"`,
    '}',
  ].join('\n');
}

/** The script the timer runs (root, from a root-only file): keep what is stable, else go back. */
export function guardScript(spec: GuardSpec): string {
  const rel = assertVersion(spec.release);
  const back = assertVersion(spec.back.release);
  const stage = (restoreData: boolean) => rollbackStageCommand({ ...spec.back, restoreData }).script;
  return [
    '#!/bin/sh',
    '# Written by a MONO deploy; run by the mono-deploy-guard timer if the deploy never came back to disarm it.',
    'set -u',
    'log() { echo "mono-deploy-guard: $*"; }',
    stableCheck(spec),
    // A datastore copy the deploy began holds starts of the agent: nothing must wait for it any more.
    ...liftHold(),
    `cur=$(readlink ${LAYOUT.current} || true)`,
    `if [ "$cur" = releases/${rel} ] && stable ${sh(spec.version)}; then`,
    `  log "the deploy of ${rel} did not finish, but ${rel} is healthy and stable: keeping it"`,
    `elif [ "$cur" = releases/${rel} ]; then`,
    `  log "the deploy of ${rel} did not finish and ${rel} is not healthy: going back to ${back}"`,
    `  sh -c ${sh(stage(spec.back.restoreData))} && log "${back} runs again" || log "going back to ${back} failed"`,
    `elif [ "$cur" = releases/${back} ] && stable ${sh(spec.back.version)}; then`,
    `  log "the deploy of ${rel} stopped before its switch; ${back} is healthy: keeping it"`,
    `elif [ "$cur" = releases/${back} ]; then`,
    `  log "the deploy of ${rel} stopped before its switch: restarting ${back} with what it ran with"`,
    // The new release never ran: its data is untouched, so no snapshot goes back.
    `  sh -c ${sh(stage(false))} && log "${back} runs again" || log "restarting ${back} failed"`,
    'else',
    '  log "current is $cur, which this deploy did not set: nothing to do"',
    'fi',
    `if grep -qx ${sh(`token=${spec.lockToken}`)} ${LAYOUT.lockDir}/info 2>/dev/null; then rm -rf ${LAYOUT.lockDir}; fi`,
    `rm -f ${GUARD_SCRIPT}`,
    '',
  ].join('\n');
}

/** Stops the guard's timer and waits for a guard already running to finish (a rollback it began ends first). */
function stopGuard(): string[] {
  return [
    `systemctl stop ${GUARD_UNIT}.timer >/dev/null 2>&1 || true`,
    `i=0; while systemctl is-active --quiet ${GUARD_UNIT}.service && [ $i -lt 9000 ]; do sleep 0.1; i=$((i+1)); done`,
    `systemctl reset-failed ${GUARD_UNIT}.service ${GUARD_UNIT}.timer >/dev/null 2>&1 || true`,
  ];
}

/** (Re)arms the guard: the script from stdin, run `afterS` seconds from now unless disarmed before. */
export function armGuardCommand(afterS: number): RemoteCommand {
  return {
    step: 'switch',
    root: true,
    what: `arming the deploy guard (${GUARD_UNIT}.timer)`,
    script: script(
      ...stopGuard(),
      `install -d -m 0755 ${LAYOUT.configDir}`,
      `cat > ${GUARD_SCRIPT}.new && chmod 0700 ${GUARD_SCRIPT}.new && mv -f ${GUARD_SCRIPT}.new ${GUARD_SCRIPT}`,
      `systemd-run --quiet --unit=${GUARD_UNIT} --description='MONO deploy guard' --on-active=${Math.ceil(afterS)}s --timer-property=AccuracySec=100ms /bin/sh ${GUARD_SCRIPT}`,
    ),
  };
}

/** The deploy came back: no guard, and `fired=1` if one had already run (the deploy then reads the host anew). */
export function disarmGuardCommand(): RemoteCommand {
  return {
    step: 'health',
    root: true,
    what: `disarming the deploy guard (${GUARD_UNIT}.timer)`,
    script: script(
      `fired=0; [ -e ${GUARD_SCRIPT} ] || fired=1`,
      ...stopGuard(),
      `rm -f ${GUARD_SCRIPT}`,
      'echo "fired=$fired"',
    ),
  };
}

/** For uninstall: no guard left behind. */
export function removeGuardLines(): string[] {
  return [...stopGuard(), `rm -f ${GUARD_SCRIPT}`];
}
