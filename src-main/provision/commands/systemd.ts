// The commands that install and manage the agent's systemd units (their text: unit-files.ts).
import { HANDOVER_SIGNAL } from '../../../agent-core/handover.ts';
import { LAYOUT } from '../layout.ts';
import { script } from '../shell.ts';
import type { RemoteCommand } from './remote.ts';
import { SOCKET_MARK } from './unit-files.ts';

export const UNIT_EXIT = { verify: 41 } as const;

const HOLD_FILE = '/run/mono-deploy-hold';
const HOLD_DROPIN = `/run/systemd/system/${LAYOUT.unitName}.d/mono-deploy-hold.conf`;

/**
 * While the agent is stopped to copy or restore its datastore, a connection to its socket would start it again
 * (socket activation), on data half copied. A runtime drop-in makes any start wait until the hold is lifted
 * (bounded: 15 minutes, and /run forgets it at reboot); connections keep waiting in the socket meanwhile.
 */
export function holdStarts(): string[] {
  // `$$` is a literal `$` in a unit file (systemd expands `$NAME` itself).
  return [
    `mkdir -p "$(dirname ${HOLD_DROPIN})" && touch ${HOLD_FILE}`,
    `printf '%s\n' '[Service]' "ExecStartPre=/bin/sh -c 'i=0; while [ -e ${HOLD_FILE} ] && [ \\$\\$i -lt 9000 ]; do sleep 0.1; i=\\$\\$((i+1)); done'" 'TimeoutStartSec=infinity' > ${HOLD_DROPIN}`,
    'systemctl daemon-reload',
  ];
}

export function liftHold(): string[] {
  return [`rm -f ${HOLD_FILE} ${HOLD_DROPIN}`, 'systemctl daemon-reload'];
}

/**
 * Installs the units from stdin (the service, then the socket after SOCKET_MARK when the release takes its port
 * from systemd) after `systemd-analyze verify` accepts them (complaints are printed as `verify:` lines),
 * reloads systemd, enables them and prints the service's `systemd-analyze security` score. A socket unit the
 * new text no longer has is stopped and removed.
 */
export function installUnitCommand(): RemoteCommand {
  return {
    step: 'unit',
    root: true,
    what: 'installing the systemd unit (systemd-analyze verify, daemon-reload, enable, security score)',
    timeoutS: 90,
    script: script(
      'tmp=$(mktemp -d)',
      `trap 'rm -rf "$tmp"' EXIT`,
      `awk -v u="$tmp/${LAYOUT.unitName}" -v s="$tmp/${LAYOUT.socketName}" '$0 == "${SOCKET_MARK}" { f = 1; next } { print > (f ? s : u) }'`,
      `set -- "$tmp/${LAYOUT.unitName}"; [ ! -e "$tmp/${LAYOUT.socketName}" ] || set -- "$@" "$tmp/${LAYOUT.socketName}"`,
      `out=$(systemd-analyze verify "$@" 2>&1) || { printf '%s\\n' "$out" | sed 's/^/verify:/'; exit ${UNIT_EXIT.verify}; }`,
      `[ -z "$out" ] || printf '%s\\n' "$out" | sed 's/^/verify:/'`,
      `install -m 0644 -o root -g root "$tmp/${LAYOUT.unitName}" ${LAYOUT.unitPath}`,
      `if [ -e "$tmp/${LAYOUT.socketName}" ]; then install -m 0644 -o root -g root "$tmp/${LAYOUT.socketName}" ${LAYOUT.socketPath}; else ${dropSocket()}; fi`,
      'systemctl daemon-reload',
      `systemctl enable ${LAYOUT.unitName} 2>/dev/null`,
      `[ ! -e ${LAYOUT.socketPath} ] || systemctl enable ${LAYOUT.socketName} 2>/dev/null`,
      securityScoreLine(),
    ),
  };
}

/**
 * Enables a unit unless it is enabled already: `systemctl enable` reloads all of systemd even when it changes
 * nothing (~0.3 s of PID 1 on a small VPS, twice per restart). Only `enabled` counts: `enabled-runtime` would be
 * forgotten at the next reboot.
 */
export function ensureEnabled(unit: string): string {
  return `[ "$(systemctl is-enabled ${unit} 2>/dev/null)" = enabled ] || systemctl enable --quiet ${unit} 2>/dev/null`;
}

/** Stops, disables and removes the socket unit (for a release that binds its port itself). */
export function dropSocket(): string {
  return `if [ -e ${LAYOUT.socketPath} ]; then systemctl disable --now ${LAYOUT.socketName} >/dev/null 2>&1 || true; rm -f ${LAYOUT.socketPath}; fi`;
}

/** `score=<exposure> <verdict>` from systemd-analyze security (lower is safer; 10 is no sandbox at all). */
function securityScoreLine(): string {
  return `echo "score=$(systemd-analyze security ${LAYOUT.unitName} --no-pager 2>/dev/null | sed -n 's/.*Overall exposure level for [^:]*: *//p' | awk '{print $1, $2}')"`;
}

export function securityCommand(): RemoteCommand {
  return { step: 'unit', root: true, script: script(securityScoreLine()) };
}

/**
 * Makes sure systemd holds the agent's port before the agent (re)starts. systemd binds a socket unit's address
 * when the socket starts, not when its file changes: a reload after the address changed (MONO_HTTP_HOST or
 * MONO_HTTP_PORT, or the units from before put back) drops the listening socket it held and opens none, the agent
 * then binds the port itself, and every later restart closes the port and refuses connections until the next
 * release listens. So when systemd holds no listening socket on the port its socket file names, the agent (which
 * may hold that port) is stopped and the socket restarted, once; otherwise the socket is only started if it is not.
 * `socket=rebound` says it happened. Without `ss` (iproute2) nothing can be told and the socket is only started.
 */
export function socketLines(): string {
  const port = `sed -n 's/^ListenStream=.*:\\([0-9][0-9]*\\)$/\\1/p' ${LAYOUT.socketPath} | head -n 1`;
  return [
    `if [ -e ${LAYOUT.socketPath} ]; then`,
    ensureEnabled(LAYOUT.socketName),
    `port=$(${port})`,
    `if [ -n "$port" ] && command -v ss >/dev/null 2>&1 && ! ss -Hltnp "sport = :$port" 2>/dev/null | grep -q '("systemd",pid=1,'; then`,
    `systemctl stop ${LAYOUT.unitName} && systemctl restart ${LAYOUT.socketName} && echo socket=rebound`,
    `else systemctl start ${LAYOUT.socketName}; fi`,
    'fi',
  ].join('\n');
}

/**
 * Hands the service over to the release `current` names (agent-core/handover.ts) when the running agent can: it
 * names itself in the PID file and is the service's main process. SIGUSR2 makes it start the new release beside
 * itself, stop once that one has loaded, and leave it as the main process; `handover=done` once systemd follows
 * the new process. If the new release fails before the old one stops, the old one removes the PID file and keeps
 * running: `handover=refused`, and a restart follows (the new release then fails there, where the gate sees it).
 */
export function handOverOrRestart(): string {
  const unit = LAYOUT.unitName;
  const orRestart = `systemctl restart ${unit}`;
  const mainPid = `systemctl show ${unit} -p MainPID --value`;
  return [
    `pid=$(${mainPid})`,
    `if [ "\${pid:-0}" -gt 0 ] && [ "$(systemctl is-active ${unit})" = active ] && [ "$(cat ${LAYOUT.pidFile} 2>/dev/null)" = "$pid" ]; then`,
    `kill -${HANDOVER_SIGNAL.slice('SIG'.length)} "$pid" || true`,
    // Loading the new release is bounded by the agent (10 s), its drain by the stop deadline (5 s).
    `i=0; while [ "$(${mainPid})" = "$pid" ] && [ -e ${LAYOUT.pidFile} ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done`,
    `now=$(${mainPid})`,
    `if [ "$now" != "$pid" ] && [ "\${now:-0}" -gt 0 ]; then echo handover=done; else echo handover=refused; ${orRestart}; fi`,
    `else ${orRestart}; fi`,
  ].join('\n');
}

/**
 * Starts the agent anew: stop what runs (a hanging release is killed after TimeoutStopSec), then start. With a
 * socket unit the port stays open throughout: connections wait for the new process. `handOver`: the running
 * agent hands over to the new release instead where it can (nothing but the release changed).
 */
export function restartCommand(step = 'restart', options: { handOver?: boolean } = {}): RemoteCommand {
  return {
    step,
    root: true,
    what: `restarting ${LAYOUT.unitName} (${options.handOver ? 'hand-over, else ' : ''}systemctl restart)`,
    // Stopping a release that hangs takes TimeoutStopSec (10 s) before systemd kills it; starting is quick. A
    // hand-over waits at most ~35 s for the new process before it restarts instead.
    timeoutS: options.handOver ? 120 : 60,
    // A crash loop before (a failed release) must not leave systemd refusing our deliberate start.
    script: script(
      `systemctl reset-failed ${LAYOUT.unitName} 2>/dev/null || true`,
      ensureEnabled(LAYOUT.unitName),
      socketLines(),
      // After a datastore snapshot the agent is stopped and starts are held: lift the hold and start (joining a
      // start a queued connection began), rather than restart (which would stop that one mid-flight).
      `if [ -e ${HOLD_FILE} ]; then ${liftHold().join('; ')}; systemctl start ${LAYOUT.unitName}; else ${options.handOver ? handOverOrRestart() : `systemctl restart ${LAYOUT.unitName}`}; fi`,
      serviceStateLines(),
    ),
  };
}

/** A first install that never got healthy: stopped and disabled, so it does not crash-loop after a reboot. */
export function stopCommand(): RemoteCommand {
  return {
    step: 'rollback',
    root: true,
    what: `stopping and disabling ${LAYOUT.unitName}`,
    timeoutS: 60,
    script: script(
      `systemctl disable --now ${LAYOUT.unitName} 2>/dev/null`,
      `[ ! -e ${LAYOUT.socketPath} ] || systemctl disable --now ${LAYOUT.socketName} 2>/dev/null || true`,
    ),
  };
}

/**
 * The service's state as `systemctl show` properties (ActiveState, SubState, NRestarts, MainPID, …) and the
 * release the main process runs (`cwd=`: the directory it started in, `current` resolved at that moment).
 */
export function serviceStateLines(): string {
  return [
    `systemctl show ${LAYOUT.unitName} -p ActiveState -p SubState -p NRestarts -p MainPID -p ExecMainStatus -p MemoryCurrent -p LoadState -p UnitFileState`,
    `pid=$(systemctl show ${LAYOUT.unitName} -p MainPID --value 2>/dev/null)`,
    `[ "\${pid:-0}" -gt 0 ] 2>/dev/null && echo "cwd=$(readlink /proc/$pid/cwd 2>/dev/null)"`,
    'true',
  ].join('\n');
}

export function serviceStateCommand(step = 'health'): RemoteCommand {
  return {
    step,
    root: true,
    what: `reading the state of ${LAYOUT.unitName}`,
    timeoutS: 20,
    script: serviceStateLines(),
  };
}

/** systemd's line about how the agent's last process ended ("Main process exited, code=exited, status=3/…"). */
export function lastExitCommand(): RemoteCommand {
  return {
    step: 'health',
    root: true,
    what: 'reading how the agent last exited',
    timeoutS: 20,
    script: `journalctl -u ${LAYOUT.unitName} --no-pager -n 200 -o cat | grep 'Main process exited' | tail -1`,
  };
}

/** The agent's journal; `follow` streams until the caller closes the channel. */
export function journalCommand(options: { lines: number; follow?: boolean; plain?: boolean }): RemoteCommand {
  return {
    step: 'logs',
    root: true,
    what: options.follow ? 'following the journal' : 'reading the journal (journalctl)',
    // Following runs until the caller stops it: the one remote command without a time limit.
    ...(!options.follow && { timeoutS: 30 }),
    script: `exec journalctl -u ${LAYOUT.unitName} --no-pager -n ${Math.max(0, Math.floor(options.lines))} -o ${options.plain ? 'cat' : 'short-iso'}${options.follow ? ' -f' : ''}`,
  };
}
