// What the VPS needs for the agent to live through its faults, apart from the agent itself: a journal that cannot
// fill the disk (bounded size, rate-limited logging), and a record of how each run of the agent ended (systemd's
// verdict and the memory figures of its control group), which the agent reads at its next start to tell the
// desktop, the tray and the owner that it was killed for memory, with the figure.
import { LAYOUT } from '../layout.ts';
import { sh } from '../shell.ts';

/** The journal's size on disk at most: enough for weeks of an agent's logs, a small part of a 10 GB disk. */
export const JOURNAL_MAX_USE = '200M';

/** journald's drop-in: a ceiling, small files (rotated away sooner), and journald's own 15 % free floor kept. */
export const JOURNALD_DROP_IN = `# Written by "mono deploy": the journal must never fill the disk the agent's data lives on.
[Journal]
SystemMaxUse=${JOURNAL_MAX_USE}
SystemMaxFileSize=32M
RuntimeMaxUse=64M
`;

const DROP_IN_PATH = '/etc/systemd/journald.conf.d/50-mono.conf';

/**
 * Lines for the prepare step's script (root): installs the drop-in when it differs and restarts journald only
 * then (so a re-deploy changes nothing).
 */
export function journaldLimitsLines(): string[] {
  return [
    `mkdir -p ${sh(DROP_IN_PATH.slice(0, DROP_IN_PATH.lastIndexOf('/')))}`,
    `if ! printf '%s' ${sh(JOURNALD_DROP_IN)} | cmp -s - ${DROP_IN_PATH}; then printf '%s' ${sh(JOURNALD_DROP_IN)} > ${DROP_IN_PATH}; chmod 0644 ${DROP_IN_PATH}; systemctl restart systemd-journald || true; fi`,
  ];
}

/** The file the agent reads at start (agent-core/health/last-exit.ts: EXIT_RECORD_FILE). */
export const EXIT_RECORD_PATH = `${LAYOUT.dataDir}/last-exit`;

/**
 * ExecStopPost writes how the run ended: systemd's SERVICE_RESULT ('oom-kill' when the kernel killed it for
 * memory), EXIT_CODE/EXIT_STATUS, the time, and the group's limit and peak (it still runs in the unit's group).
 * `$$` and `%%` are systemd's escapes for the shell's `$` and `%`.
 */
function exitRecordCommand(): string {
  const lines = [
    'g=/sys/fs/cgroup$$(sed -n "s/^0:://p" /proc/self/cgroup)',
    `f=${EXIT_RECORD_PATH}`,
    '{ echo SERVICE_RESULT=$$SERVICE_RESULT; echo EXIT_CODE=$$EXIT_CODE; echo EXIT_STATUS=$$EXIT_STATUS',
    'echo AT=$$(date +%%s)',
    '[ ! -r $$g/memory.peak ] || echo MEMORY_PEAK=$$(cat $$g/memory.peak)',
    '[ ! -r $$g/memory.max ] || echo MEMORY_MAX=$$(cat $$g/memory.max); } > $$f.tmp && mv $$f.tmp $$f',
  ];
  return `/bin/sh -c '${lines.join('; ')}'`;
}

/** Lines for the agent's unit ([Service]): logging bounded per unit, and the exit record. */
export function faultUnitLines(): string {
  return `# A log storm is cut short rather than filling the journal (journald's drop-in caps its size).
LogRateLimitIntervalSec=30s
LogRateLimitBurst=2000
# How the run ended, for the agent's next start (killed for memory, by which limit): see last-exit.
ExecStopPost=-${exitRecordCommand()}`;
}
