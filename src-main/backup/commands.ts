// The commands a backup or a restore runs on a VPS: the installed release's own `mono-agent backup|restore`, run as
// root with the agent's environment (the bundle drops to the agent's user before it touches the datastore).
import type { RemoteCommand } from '../provision/commands/remote.ts';
import { LAYOUT } from '../provision/layout.ts';
import { script } from '../provision/shell.ts';

export const AGENT_COMMAND_EXIT = { notInstalled: 40, tooOld: 41 } as const;

/** Finds the release and its Node (the unit's), and checks the release knows the command. */
function prologue(command: 'backup' | 'restore'): string[] {
  const L = LAYOUT;
  return [
    `[ -e ${L.current}/mono-agent.js ] || { echo 'MONO is not installed on this VPS' >&2; exit ${AGENT_COMMAND_EXIT.notInstalled}; }`,
    `grep -qs 'mono-agent:${command}' ${L.current}/mono-agent.js || { echo 'the agent on this VPS is too old to ${command}' >&2; exit ${AGENT_COMMAND_EXIT.tooOld}; }`,
    `node=$(sed -n 's/^ExecStart=\\([^ ]*\\) .*/\\1/p' ${L.unitPath} 2>/dev/null | head -n 1)`,
    `[ -x "$node" ] || node=${L.nodeDir}/bin/node`,
    `cd ${L.current}`,
    `set -- "$node"`,
    // The agent's own settings (a hub user the desktop chose, say); variables set here win over the file's.
    `[ -r ${L.envFile} ] && set -- "$@" --env-file=${L.envFile}`,
  ];
}

const ENV = `env MONO_DATA_DIR=${LAYOUT.dataDir} MONO_HUB_SOCKET=${LAYOUT.hubSocket}`;

/** How long a whole backup may take: a big datastore read over a slow link, not a hung one. */
export const BACKUP_TIMEOUT_S = 3 * 3600;
/** How long a backup may send nothing: it writes rows (stdout) and progress (stderr) as it reads them. */
export const BACKUP_STALL_S = 180;

/** The backup file on stdout (unencrypted), progress lines on stderr; `summary`: one JSON line of counts instead. */
export function agentBackupCommand(o: { summary?: boolean } = {}): RemoteCommand {
  return {
    step: o.summary ? 'inspect' : 'backup',
    root: true,
    what: o.summary
      ? 'counting what the agent holds (mono-agent backup --summary)'
      : 'the agent’s backup (mono-agent backup)',
    ...(o.summary ? { timeoutS: 300 } : { timeoutS: BACKUP_TIMEOUT_S, stallS: BACKUP_STALL_S }),
    script: script(
      ...prologue('backup'),
      `exec ${ENV} "$@" mono-agent.js backup${o.summary ? ' --summary' : ''}`,
    ),
  };
}

/**
 * How long a restore of a backup file of `bytes` may take, upload included: five minutes to stop, migrate and
 * start the agent, plus the file at 50 kB/s (as a release's upload), so a slow link is not a hung command.
 */
export function restoreTimeoutS(bytes: number): number {
  return 300 + Math.ceil(Math.max(0, bytes) / 50_000);
}

/**
 * Stops the agent, restores the backup file read from stdin (`bytes` long, which sets the time limit), and starts
 * the agent again whatever happened (the data it starts with is the restored one, or the untouched previous one).
 */
export function agentRestoreCommand(o: { replace: boolean; bytes: number }): RemoteCommand {
  const unit = LAYOUT.unitName;
  return {
    step: 'restore',
    root: true,
    what: 'uploading and restoring the backup (mono-agent restore)',
    timeoutS: restoreTimeoutS(o.bytes),
    script: script(
      ...prologue('restore'),
      `systemctl stop ${unit}`,
      `trap 'systemctl reset-failed ${unit} 2>/dev/null; systemctl start ${unit}' EXIT`,
      'trap "exit 129" HUP',
      'trap "exit 130" INT',
      'trap "exit 143" TERM',
      `${ENV} "$@" mono-agent.js restore${o.replace ? ' --replace' : ''}`,
    ),
  };
}

/** Starts or stops the agent's service (a move stops the old agent so only one answers; it is not disabled). */
export function agentServiceCommand(action: 'start' | 'stop'): RemoteCommand {
  const unit = LAYOUT.unitName;
  return {
    step: action === 'stop' ? 'stop' : 'start',
    root: true,
    script: script(
      action === 'start' && `systemctl reset-failed ${unit} 2>/dev/null || true`,
      `systemctl ${action} ${unit}`,
    ),
  };
}

/** Where a WhatsApp linked device keeps its keys (the agent's default, in its data directory). */
export const LINKED_DEVICE_DIR = 'whatsapp-auth';

/** The linked device's keys as a gzipped tar on stdout; nothing when there are none. */
export function readLinkedDeviceCommand(): RemoteCommand {
  const L = LAYOUT;
  return {
    step: 'whatsapp',
    root: true,
    // A few megabytes of keys: minutes mean the VPS or the link is stuck.
    what: 'reading the WhatsApp linked device’s keys (tar)',
    timeoutS: 300,
    stallS: 60,
    script: script(
      `[ -d ${L.dataDir}/${LINKED_DEVICE_DIR} ] || exit 0`,
      `tar -C ${L.dataDir} -czf - ${LINKED_DEVICE_DIR}`,
    ),
  };
}

/**
 * Unpacks the keys from stdin into the agent's data directory, owned by the agent's user only (directories 0700,
 * files 0600). Keys the server had already are never overwritten: they are moved aside first, and the fact
 * `kept_aside=<path>` says where.
 */
export function writeLinkedDeviceCommand(): RemoteCommand {
  const L = LAYOUT;
  const dir = `${L.dataDir}/${LINKED_DEVICE_DIR}`;
  return {
    step: 'whatsapp',
    root: true,
    script: script(
      `if [ -e ${dir} ]; then`,
      `  kept=${dir}.before-move-$(date -u +%Y%m%dT%H%M%SZ)`,
      '  [ ! -e "$kept" ] || kept="$kept-$$"',
      `  mv ${dir} "$kept"`,
      '  echo "kept_aside=$kept"',
      'fi',
      `tar -C ${L.dataDir} -xzf - --no-same-owner --no-same-permissions ${LINKED_DEVICE_DIR}`,
      `chown -R ${L.user}:${L.user} ${dir}`,
      `find ${dir} -type d -exec chmod 700 {} +`,
      `find ${dir} -type f -exec chmod 600 {} +`,
    ),
  };
}
