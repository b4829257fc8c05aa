// What a deploy keeps to go back with, and the commands that go back: the secrets and units from before it,
// a datastore snapshot taken with no agent running, and one stage of a rollback.
import { LAYOUT } from '../layout.ts';
import { script, sh } from '../shell.ts';
import { assertVersion } from './release.ts';
import type { RemoteCommand } from './remote.ts';
import {
  ensureEnabled,
  handOverOrRestart,
  holdStarts,
  liftHold,
  serviceStateLines,
  socketLines,
} from './systemd.ts';

/** The files a rollback with the "old" configuration puts back (a missing one is removed again). */
const CONFIG_FILES = [
  [LAYOUT.envFile, 'agent.env'],
  [LAYOUT.unitPath, LAYOUT.unitName],
  [LAYOUT.socketPath, LAYOUT.socketName],
] as const;

/** Keeps the secrets and units as they are now (before this deploy rewrites them), root-only. */
export function backupConfigCommand(): RemoteCommand {
  const dir = LAYOUT.previousConfigDir;
  return {
    step: 'secrets',
    root: true,
    what: `keeping the current secrets and units in ${dir}`,
    script: script(
      `rm -rf ${dir}.new && install -d -m 0700 -o root -g root ${dir}.new`,
      ...CONFIG_FILES.map(([path, name]) => `[ ! -e ${path} ] || cp -p ${path} ${dir}.new/${name}`),
      `rm -rf ${dir} && mv -T ${dir}.new ${dir}`,
    ),
  };
}

/**
 * Puts the kept secrets and units back without touching the running agent: a deploy that failed before its
 * switch leaves the files as they were, so a later restart (a crash, a reboot) runs what ran before.
 */
export function restoreConfigCommand(): RemoteCommand {
  const dir = LAYOUT.previousConfigDir;
  return {
    step: 'secrets',
    root: true,
    what: `putting back the secrets and units kept in ${dir}`,
    script: script(
      `[ -d ${dir} ]`,
      ...CONFIG_FILES.map(
        ([path, name]) =>
          `if [ -e ${dir}/${name} ]; then cp -p ${dir}/${name} ${path}; else rm -f ${path}; fi`,
      ),
      'systemctl daemon-reload',
    ),
  };
}

/**
 * Stops the agent and copies its data directory (so the copy is consistent: nothing writes it meanwhile). The
 * copy replaces the previous snapshot; `info` says which release it was taken before, and from which.
 */
export function snapshotCommand(options: { before: string; from: string }): RemoteCommand {
  const tmp = `${LAYOUT.snapshotDir}.new`;
  return {
    step: 'snapshot',
    root: true,
    what: `stopping the agent and copying ${LAYOUT.dataDir} to ${LAYOUT.snapshotDir}`,
    // A copy of a large datastore on a slow disk: minutes, not hours.
    timeoutS: 900,
    // The hold stays after a copy that worked: the restart step lifts it and starts the new release, so nothing
    // starts the old one on data the new one is about to migrate.
    script: script(
      `trap '${liftHold().join('; ')}' EXIT`,
      ...holdStarts(),
      `systemctl stop ${LAYOUT.unitName}`,
      `rm -rf ${tmp} && install -d -m 0700 -o root -g root ${tmp}`,
      `cp -a --reflink=auto ${LAYOUT.dataDir} ${tmp}/data`,
      `printf 'for=%s\\nfrom=%s\\ntime=%s\\n' ${sh(assertVersion(options.before))} ${sh(assertVersion(options.from))} "$(date -u +%FT%TZ)" > ${tmp}/info`,
      `rm -rf ${LAYOUT.snapshotDir} && mv -T ${tmp} ${LAYOUT.snapshotDir}`,
      `echo "snapshot_bytes=$(du -sb ${LAYOUT.snapshotDir}/data | cut -f1)"`,
      'trap - EXIT',
    ),
  };
}

/** After a successful deploy that took no snapshot, the one from before is of no use any more. */
export function forgetSnapshotCommand(): RemoteCommand {
  return {
    step: 'prune',
    root: true,
    what: `removing the old datastore snapshot ${LAYOUT.snapshotDir}`,
    script: script(`rm -rf ${LAYOUT.snapshotDir} ${LAYOUT.failedDataDir}`),
  };
}

/**
 * One way back: point `current` at `release` (and `previous` at `previous`); to put back the old secrets and units
 * and/or the datastore snapshot, stop what runs first (systemd kills a release that hangs); then (re)start it.
 * The datastore the failed release left is kept aside in failedDataDir, never deleted.
 */
export function rollbackStageCommand(options: {
  release: string;
  previous: string | undefined;
  oldConfig: boolean;
  restoreData: boolean;
  /**
   * The release the snapshot must have been taken before: one taken before another (an older deploy's, kept) is
   * never put back, since the release that failed never ran on this data (its copy did not complete).
   */
  snapshotFor?: string;
  /** The running agent may hand over to the release (`mono rollback` from a healthy one); else a restart. */
  handOver?: boolean;
}): RemoteCommand {
  const rel = assertVersion(options.release);
  const prev = LAYOUT.previousConfigDir;
  const restoring = options.oldConfig || options.restoreData;
  return {
    step: 'rollback',
    root: true,
    what: `switching back to ${rel}${options.oldConfig ? ' with the secrets and unit from before' : ''}${options.restoreData ? ' and the datastore snapshot' : ''}`,
    timeoutS: options.restoreData ? 900 : 90,
    script: script(
      `[ -d ${LAYOUT.releases}/${rel} ] || { echo "release ${rel} is not on the VPS any more" >&2; exit 1; }`,
      // current first: whatever starts the agent from here on starts the release being returned to.
      `cd ${LAYOUT.root}`,
      `ln -sfn releases/${rel} .current.new && mv -T .current.new current`,
      options.previous
        ? `ln -sfn releases/${assertVersion(options.previous)} .previous.new && mv -T .previous.new previous`
        : 'rm -f previous',
      // Only a stage that changes files stops the agent (holding socket-activated starts meanwhile); otherwise a
      // single restart switches process, with no moment in which a queued connection could start another one.
      ...(restoring
        ? [
            `trap '${liftHold().join('; ')}' EXIT`,
            ...holdStarts(),
            `systemctl stop ${LAYOUT.unitName}`,
            ...(options.oldConfig
              ? [
                  `[ -d ${prev} ] || { echo "no secrets and units from before were kept" >&2; exit 1; }`,
                  ...CONFIG_FILES.map(
                    ([path, name]) =>
                      `if [ -e ${prev}/${name} ]; then cp -p ${prev}/${name} ${path}; else rm -f ${path}; fi`,
                  ),
                  `[ -e ${LAYOUT.socketPath} ] || systemctl disable --now ${LAYOUT.socketName} >/dev/null 2>&1 || true`,
                  // The socket's address as the files now say, before socketLines() checks that systemd holds it.
                  'systemctl daemon-reload',
                ]
              : []),
            ...(options.restoreData && options.snapshotFor
              ? [
                  `if grep -qx ${sh(`for=${assertVersion(options.snapshotFor)}`)} ${LAYOUT.snapshotDir}/info 2>/dev/null && [ -d ${LAYOUT.snapshotDir}/data ]; then`,
                  `rm -rf ${LAYOUT.failedDataDir} && mv -T ${LAYOUT.dataDir} ${LAYOUT.failedDataDir}`,
                  `cp -a --reflink=auto ${LAYOUT.snapshotDir}/data ${LAYOUT.dataDir}`,
                  `else echo "data=kept (no snapshot was completed before ${assertVersion(options.snapshotFor)}, so it never ran on this data)"; fi`,
                ]
              : options.restoreData
                ? [
                    `[ -d ${LAYOUT.snapshotDir}/data ] || { echo "no datastore snapshot to restore" >&2; exit 1; }`,
                    `rm -rf ${LAYOUT.failedDataDir} && mv -T ${LAYOUT.dataDir} ${LAYOUT.failedDataDir}`,
                    `cp -a --reflink=auto ${LAYOUT.snapshotDir}/data ${LAYOUT.dataDir}`,
                  ]
                : []),
          ]
        : []),
      `systemctl reset-failed ${LAYOUT.unitName} 2>/dev/null || true`,
      ensureEnabled(LAYOUT.unitName),
      socketLines(),
      restoring
        ? [...liftHold(), 'trap - EXIT', `systemctl start ${LAYOUT.unitName}`].join('\n')
        : options.handOver
          ? handOverOrRestart()
          : `systemctl restart ${LAYOUT.unitName}`,
      serviceStateLines(),
    ),
  };
}
