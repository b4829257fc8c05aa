// Removing MONO from a VPS: the service, its files, data, secrets, user and lock. Nothing of MONO stays.
import { LAYOUT } from '../layout.ts';
import { script } from '../shell.ts';
import { removeGuardLines } from './deploy-guard.ts';
import type { RemoteCommand } from './remote.ts';

/** Every path MONO creates on a VPS (the verify step checks that none is left). */
export const MONO_PATHS = [
  LAYOUT.unitPath,
  LAYOUT.socketPath,
  LAYOUT.root,
  LAYOUT.dataDir,
  LAYOUT.snapshotDir,
  LAYOUT.failedDataDir,
  LAYOUT.configDir,
  LAYOUT.runtimeDir,
  `/etc/systemd/system/multi-user.target.wants/${LAYOUT.unitName}`,
  `/etc/systemd/system/sockets.target.wants/${LAYOUT.socketName}`,
] as const;

export function uninstallCommand(): RemoteCommand {
  return {
    step: 'uninstall',
    root: true,
    script: script(
      ...removeGuardLines(),
      `systemctl disable --now ${LAYOUT.unitName} ${LAYOUT.socketName} >/dev/null 2>&1 || true`,
      `rm -f ${MONO_PATHS.filter((p) => /\.(service|socket)$/.test(p)).join(' ')}`,
      'systemctl daemon-reload',
      `systemctl reset-failed ${LAYOUT.unitName} ${LAYOUT.socketName} >/dev/null 2>&1 || true`,
      `rm -rf ${LAYOUT.root} ${LAYOUT.dataDir} ${LAYOUT.snapshotDir} ${LAYOUT.failedDataDir} ${LAYOUT.configDir} ${LAYOUT.runtimeDir}`,
      `if id -u ${LAYOUT.user} >/dev/null 2>&1; then userdel ${LAYOUT.user}; fi`,
      `if getent group ${LAYOUT.user} >/dev/null; then groupdel ${LAYOUT.user}; fi`,
      // The lock goes last: it was held until everything else was gone.
      `rm -rf ${LAYOUT.lockDir}`,
    ),
  };
}

/** Prints `left=<what>` for anything of MONO still on the VPS; prints nothing when it is clean. */
export function verifyUninstalledCommand(): RemoteCommand {
  return {
    step: 'verify',
    root: true,
    script: [
      `for p in ${MONO_PATHS.join(' ')} ${LAYOUT.lockDir}; do [ ! -e "$p" ] && [ ! -L "$p" ] || echo "left=$p"; done`,
      `id -u ${LAYOUT.user} >/dev/null 2>&1 && echo "left=user ${LAYOUT.user}"`,
      `getent group ${LAYOUT.user} >/dev/null && echo "left=group ${LAYOUT.user}"`,
      `[ "$(systemctl show ${LAYOUT.unitName} -p LoadState --value 2>/dev/null)" = not-found ] || echo "left=unit ${LAYOUT.unitName}"`,
      'true',
    ].join('\n'),
  };
}
